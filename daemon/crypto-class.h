/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Engine classes: is a crypto driver a device's (hw) or the CPU's (sw)?
 *
 * The crypto API does not say: a driver has a name and a priority, and
 * QEMU's virtio-crypto device ranks below AES-NI.  What the system does
 * say, in order of trust:
 *
 *  0. A template's instance ("xts(ecb-aes-foo)") runs on the drivers
 *     named inside its driver name: hw if one of them is.
 *  1. /proc/crypto's "module" of the driver, when it is a loadable module:
 *     /sys/module/M/drivers/ lists the device drivers M registered, and
 *     /sys/bus/B/drivers/D/ the devices each one drives.  A module that
 *     drives a device is hw, and so is one that is part of a device's
 *     driver stack: used by a module that drives a device, or using one
 *     (/sys/module/X/holders/: QAT registers its algorithms from
 *     intel_qat, which its PCI driver qat_4xxx uses; CCP from ccp_crypto,
 *     which uses the PCI driver ccp).  One that drives none and is no
 *     such part (aesni_intel, sha256_generic) is sw.
 *  2. Built in ("module : kernel"), nothing links the algorithm to a
 *     driver.  By the drivers' naming convention (virtio_crypto_aes_cbc,
 *     from virtio_crypto), a driver name that starts with the name of a
 *     device driver that drives a device, then '_' or '-', is that
 *     device's: hw, and the evidence says "by its name".
 *  3. Anything else is sw.
 *
 * The classes are resolved when a flow is applied (daemon/apply.c), for
 * each transform whose flow says 'engine = hw|sw' and which names no
 * driver itself, and shown by `flowctl explain --kernel`.
 */
#ifndef FLOWSWITCH_CRYPTO_CLASS_H
#define FLOWSWITCH_CRYPTO_CLASS_H

#include <stddef.h>

#include "engine-uring-xform.h"
#include "flowlang.h"

struct fsw_crypto_engine {
	struct uxform_alg alg;
	enum flang_engine_class class; /* FLANG_ENGINE_HW or _SW */
	char why[192]; /* the evidence, for people */
};

/*
 * Class @e->alg (its driver and module) under @root ("" for /), with
 * /proc/crypto's @text for the parts of a template's instance.
 */
void fsw_crypto_classify(const char *root, const char *text,
			 struct fsw_crypto_engine *e);

/*
 * The drivers that implement @alg for a stage of @kind (enum
 * flowswitch_xform), highest priority first, classed: their number, up
 * to @max.  With @root "" a template such as "xts(aes)" is instantiated
 * first (through AF_ALG), so that /proc/crypto lists it.
 */
int fsw_crypto_engines(const char *root, const char *alg, uint32_t kind,
		       struct fsw_crypto_engine *out, int max);

/*
 * The index in @e[0..@n) of the driver a stage wanting @want gets: the
 * highest priority of that class, or -1 if there is none.
 */
int fsw_crypto_pick_class(const struct fsw_crypto_engine *e, int n,
			  enum flang_engine_class want);

/* "hw" or "sw". */
const char *fsw_crypto_class_name(enum flang_engine_class c);

#endif /* FLOWSWITCH_CRYPTO_CLASS_H */
