/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libflowswitch: thin C wrappers over the /dev/flowswitch ioctls.
 *
 * Every function returns 0 (or a non-negative value) on success and a
 * negative errno on failure; none prints anything.  The structs are the
 * UAPI's own (<linux/flowswitch.h>): this library only fills in sizes and
 * turns results into text.
 */
#ifndef FLOWSWITCH_LIB_H
#define FLOWSWITCH_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/flowswitch.h>

#define FSW_DEFAULT_DEVICE "/dev/" FLOWSWITCH_DEVICE_NAME

/* Open the control device (@path, or FSW_DEFAULT_DEVICE when NULL). */
int fsw_open(const char *path);

/* FLOWSWITCH_IOC_INFO: fills @info, whose size field is set here. */
int fsw_info(int fd, struct flowswitch_info *info);

/*
 * Objects.  Each returns the new object's id (> 0) or a negative errno;
 * the command structs are filled by the caller except for their size,
 * and their out fields are valid on success.
 */
int fsw_port_create(int fd, struct flowswitch_port_create *cmd);
int fsw_flow_create(int fd, struct flowswitch_flow_create *cmd);
int fsw_flow_ctl(int fd, unsigned int flow_id, unsigned int op);
int fsw_flow_query(int fd, unsigned int flow_id,
		   struct flowswitch_flow_query *q);
/* Waits for a final state; @timeout_ms 0 waits without limit. */
int fsw_flow_wait(int fd, unsigned int flow_id, unsigned int timeout_ms,
		  unsigned int *state);
int fsw_destroy(int fd, unsigned int id);
/* On failure, @txn's out_failed_item/out_failed_errno say which and why. */
int fsw_txn(int fd, struct flowswitch_txn *txn);

/*
 * Parse a byte count: digits with an optional binary suffix K, M, G, T
 * (KiB...), "KiB" style also accepted.  Returns 0 or -EINVAL / -ERANGE.
 */
int fsw_parse_size(const char *s, unsigned long long *out);

/* "running", "failed", ...; "?" for values this library does not know. */
const char *fsw_state_name(unsigned int state);
const char *fsw_stage_name(unsigned int stage);
/* "no CONFIG_PCI_P2PDMA", "ACS redirect", ...: enum flowswitch_p2p_reason */
const char *fsw_p2p_reason_name(unsigned int reason);
/* "passed", "cached", ...: enum flowswitch_canary */
const char *fsw_canary_name(unsigned int canary);
/* FLOWSWITCH_PCI_ADDR() as "DDDD:BB:DD.F" into @buf (13 bytes or more). */
void fsw_pci_str(unsigned int addr, char *buf, size_t len);
/* "host", "p2p": enum flowswitch_pool_kind */
const char *fsw_pool_name(unsigned int kind);
/* "block", "file", "memory": enum flowswitch_port_kind */
const char *fsw_port_kind_name(unsigned int kind);
/* "none", "bus-address", "host-bridge": enum flowswitch_p2p_map */
const char *fsw_map_name(unsigned int map);
/* Parse "DDDD:BB:DD.F" or "BB:DD.F" into FLOWSWITCH_PCI_ADDR(). */
int fsw_parse_pci_addr(const char *s, unsigned int *addr);

/* Name of one feature bit, or NULL when this library does not know it. */
const char *fsw_feature_name(unsigned long long bit);

/*
 * Write the feature bitmap as names joined by ',' ("none" when empty; bits
 * this library does not know as one hexadecimal "0x..." item).  Returns the
 * length it needed, like snprintf().
 */
/* "encrypt", "decrypt", "digest" (enum flowswitch_xform), or "?". */
const char *fsw_xform_name(unsigned int kind);
/* @n bytes of @d as lowercase hex into @out (2n + 1 bytes). */
void fsw_hex(const uint8_t *d, size_t n, char *out);
int fsw_features_str(unsigned long long features, char *buf, size_t len);

/* Print @info for people, or as one JSON object when @json. */
void fsw_info_print(FILE *out, const struct flowswitch_info *info, bool json);

/* A hint for an errno returned by fsw_open(), or "" when there is none. */
const char *fsw_open_hint(int err);

#endif /* FLOWSWITCH_LIB_H */
