/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * flowswitch: the machine as a data switch.
 *
 * Userspace API of /dev/flowswitch.  This header alone is enough to write a
 * client; lib/flowswitch.h wraps it for C programs.
 *
 * Conventions (Documentation/process/botching-up-ioctls.rst, as iommufd):
 *  - Every command struct starts with ``__u32 size``, the number of bytes
 *    userspace passes.  The ioctl number does not encode the size, so a
 *    struct may grow at its end without a new ioctl number.
 *  - A caller with an older (shorter) struct gets the fields it knows; a
 *    caller with a newer (longer) struct is accepted only when every byte the
 *    kernel does not know is zero, otherwise the call fails with E2BIG.
 *  - ``size`` smaller than the command's first version fails with EINVAL.
 *  - Unknown bits in ``flags`` and non-zero ``__reserved`` fields fail with
 *    EINVAL, so they can be given a meaning later.
 *  - Pointers and lengths are __u64; padding is explicit.
 *  - An unknown command fails with ENOTTY.
 *
 * Opening /dev/flowswitch needs CAP_SYS_RAWIO (EPERM otherwise): a flow
 * makes devices DMA into memory.  Everything created through a file
 * descriptor belongs to it and is torn down when it is closed.
 */
#ifndef _UAPI_LINUX_FLOWSWITCH_H
#define _UAPI_LINUX_FLOWSWITCH_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define FLOWSWITCH_DEVICE_NAME "flowswitch"

/*
 * ABI version.  The major number changes only if an existing struct or
 * command changes meaning (never, we hope); the minor number grows with
 * every command or field added.
 */
#define FLOWSWITCH_ABI_MAJOR 1
#define FLOWSWITCH_ABI_MINOR 6

/* 0xF5 is unassigned in Documentation/userspace-api/ioctl/ioctl-number.rst */
#define FLOWSWITCH_TYPE 0xF5
#define FLOWSWITCH_CMD_BASE 0x80

enum {
	FLOWSWITCH_CMD_INFO = FLOWSWITCH_CMD_BASE,
	FLOWSWITCH_CMD_PORT_CREATE,
	FLOWSWITCH_CMD_FLOW_CREATE,
	FLOWSWITCH_CMD_FLOW_CTL,
	FLOWSWITCH_CMD_FLOW_QUERY,
	FLOWSWITCH_CMD_FLOW_WAIT,
	FLOWSWITCH_CMD_DESTROY,
	FLOWSWITCH_CMD_TXN,
	FLOWSWITCH_CMD_P2P_EXPLAIN,
};

/**
 * enum flowswitch_feature - bits of &flowswitch_info.features
 * @FLOWSWITCH_FEATURE_P2PDMA: the running kernel was built with
 *	CONFIG_PCI_P2PDMA, so peer-to-peer pools can exist.  Without it
 *	every flow uses host memory, and says so.
 * @FLOWSWITCH_FEATURE_NETLINK: (ABI 1.4) the generic netlink family
 *	FLOWSWITCH_GENL_NAME is registered (see the end of this header)
 */
enum flowswitch_feature {
	FLOWSWITCH_FEATURE_P2PDMA = 1 << 0,
	FLOWSWITCH_FEATURE_NETLINK = 1 << 1,
};

/**
 * struct flowswitch_info - ioctl(FLOWSWITCH_IOC_INFO)
 * @size: sizeof(struct flowswitch_info)
 * @flags: must be 0
 * @abi_major: out, FLOWSWITCH_ABI_MAJOR of the running module
 * @abi_minor: out, FLOWSWITCH_ABI_MINOR of the running module
 * @features: out, bitmap of enum flowswitch_feature
 * @p2pmem_providers: out, number of PCI functions whose peer-to-peer memory
 *	is published through the kernel's P2PDMA framework (NVMe CMBs, BARs
 *	claimed by a provider driver); always 0 without
 *	FLOWSWITCH_FEATURE_P2PDMA
 * @__reserved: must be 0
 * @host_pool_bytes: out (ABI 1.1), host pool memory all flows hold now
 * @nr_flows: out (ABI 1.1), flows that exist now, on all file descriptors
 * @nr_files: out (ABI 1.1), open file descriptors of /dev/flowswitch
 * @p2p_bytes: out (ABI 1.2), bytes all flows moved through p2p memory
 * @host_bytes: out (ABI 1.2), bytes all flows moved through host memory
 * @p2p_fallbacks: out (ABI 1.2), PREFERRED flows that got host memory
 * @canary_failures: out (ABI 1.3), path self-tests that failed
 * @nr_ports: out (ABI 1.3), ports that exist now, on all file descriptors
 * @__reserved2: must be 0
 *
 * Describes the module and what the kernel under it can do.  Input fields
 * are @size and @flags; the rest is written by the kernel.
 */
struct flowswitch_info {
	__u32 size;
	__u32 flags;
	__u32 abi_major;
	__u32 abi_minor;
	__aligned_u64 features;
	__u32 p2pmem_providers;
	__u32 __reserved;
	__aligned_u64 host_pool_bytes;
	__u32 nr_flows;
	__u32 nr_files;
	__aligned_u64 p2p_bytes;
	__aligned_u64 host_bytes;
	__u32 p2p_fallbacks;
	__u32 canary_failures;
	__u32 nr_ports;
	__u32 __reserved2;
};

#define FLOWSWITCH_IOC_INFO _IO(FLOWSWITCH_TYPE, FLOWSWITCH_CMD_INFO)

/*
 * Objects.  Ports and flows are named by ids unique within the file
 * descriptor that created them (never 0), handed out in turn so that an
 * id is not soon reused.  Limits below are part of the
 * ABI; a request beyond them fails with EINVAL.
 */
#define FLOWSWITCH_MAX_SINKS 8
#define FLOWSWITCH_MIN_CHUNK 4096
#define FLOWSWITCH_MAX_CHUNK (16 << 20)
#define FLOWSWITCH_MAX_DEPTH 64
#define FLOWSWITCH_MAX_TXN_ITEMS 256
#define FLOWSWITCH_NAME_LEN 64

/**
 * enum flowswitch_port_flags - &flowswitch_port_create.flags
 * @FLOWSWITCH_PORT_READ: the port may be a flow's source; the fd must be
 *	open for reading
 * @FLOWSWITCH_PORT_WRITE: the port may be a flow's sink; the fd must be
 *	open for writing and not O_APPEND
 * @FLOWSWITCH_PORT_BUFFERED: never use direct I/O on this port, even where
 *	offsets and lengths are aligned
 * @FLOWSWITCH_PORT_PCI_BAR: (ABI 1.2) not an fd (which must be -1) but a
 *	window of a PCI function's published p2p memory -- a BAR claimed by
 *	flowswitch_bar, an NVMe CMB: devices DMA straight into or out of it
 */
enum flowswitch_port_flags {
	FLOWSWITCH_PORT_READ = 1 << 0,
	FLOWSWITCH_PORT_WRITE = 1 << 1,
	FLOWSWITCH_PORT_BUFFERED = 1 << 2,
	FLOWSWITCH_PORT_PCI_BAR = 1 << 3,
};

/**
 * enum flowswitch_port_kind - &flowswitch_port_create.kind
 * @FLOWSWITCH_PORT_BLOCK: a block device
 * @FLOWSWITCH_PORT_FILE: a regular file
 * @FLOWSWITCH_PORT_MEMORY: a window of device memory (FLOWSWITCH_PORT_PCI_BAR)
 * @FLOWSWITCH_PORT_SOCKET: (ABI 1.6) a connected stream socket (TCP, or a
 *	Unix stream socket).  A stream has no offsets and no size: as a
 *	flow's source its @src_offset is 0 and its @length is given (not
 *	FLOWSWITCH_FLOW_TO_END); as a sink its offset is 0.  Its bytes move in
 *	stream order (one receive at a time; each chunk is sent only after
 *	every chunk before it was), without blocking a worker: the flow
 *	waits on the socket like poll(2) does.  A socket port serves one flow
 *	at a time (EBUSY while another flow holds it; destroy that flow
 *	first), never with FLOWSWITCH_FLOW_VERIFY (nothing to read back) or
 *	retries (a stream cannot be re-read).  The peer closing or resetting
 *	the connection fails the flow (ENODATA: the stream ended before
 *	@length; EPIPE; ECONNRESET) after a FLOWSWITCH_EVENT_PEER event.  A
 *	stopped flow leaves the stream at a chunk boundary only if it was
 *	idle; otherwise where it stopped is not defined.
 */
enum flowswitch_port_kind {
	FLOWSWITCH_PORT_BLOCK = 1,
	FLOWSWITCH_PORT_FILE = 2,
	FLOWSWITCH_PORT_MEMORY = 3,
	FLOWSWITCH_PORT_SOCKET = 4,
};

/**
 * struct flowswitch_port_create - ioctl(FLOWSWITCH_IOC_PORT_CREATE)
 * @size: sizeof(struct flowswitch_port_create)
 * @flags: enum flowswitch_port_flags; READ, WRITE or both
 * @fd: a block device, regular file or (ABI 1.6) connected stream socket
 *	the caller holds.  The port keeps its own reference: the caller may
 *	close @fd afterwards.
 * @out_port_id: out, the port's id
 * @out_kind: out, enum flowswitch_port_kind
 * @out_dio_align: out, the alignment of offset and length under which
 *	the port uses direct I/O; 0 when it never does (the file system has
 *	no direct I/O, or FLOWSWITCH_PORT_BUFFERED)
 * @out_size: out, the device's size, the file's size at creation, the
 *	window's size, or 0 for a socket
 * @pci_addr: (ABI 1.2) with FLOWSWITCH_PORT_PCI_BAR, FLOWSWITCH_PCI_ADDR()
 *	of the function whose p2p memory the window takes
 * @out_bar: out (ABI 1.2), the BAR the window lies in
 * @window_size: (ABI 1.2) with FLOWSWITCH_PORT_PCI_BAR, bytes of the
 *	window: a multiple of 4096
 * @out_bar_offset: out (ABI 1.2), where in that BAR the window starts --
 *	what a device or the other side of the BAR sees
 *
 * A memory port is a flow's only sink or its source, never both ends: the
 * other ports' devices DMA into or out of the window directly, so every
 * I/O of such a flow must be direct (EXDEV with reason BUFFERED_IO
 * otherwise) and the devices must reach the window (EXDEV with the
 * topology's reason otherwise).
 *
 * Errors: EBADF @fd is not open, or not open for what @flags ask;
 * EOPNOTSUPP @fd is neither a block device, a regular file nor a stream
 * socket; ENOTCONN a stream socket that is not connected;
 * EINVAL unknown or no access flags, a write port on an O_APPEND fd, a
 * PCI_BAR port with an fd or a window size of 0 or not a page multiple;
 * ENODEV no such PCI function, or it publishes no p2p memory; ENOMEM no
 * window that large is free; EMFILE the file descriptor already holds the
 * maximum of objects.
 */
struct flowswitch_port_create {
	__u32 size;
	__u32 flags;
	__s32 fd;
	__u32 out_port_id;
	__u32 out_kind;
	__u32 out_dio_align;
	__aligned_u64 out_size;
	__u32 pci_addr;
	__u32 out_bar;
	__aligned_u64 window_size;
	__aligned_u64 out_bar_offset;
};

#define FLOWSWITCH_IOC_PORT_CREATE                                              \
	_IO(FLOWSWITCH_TYPE, FLOWSWITCH_CMD_PORT_CREATE)

/* Most transform stages in one flow (ABI 1.5). */
#define FLOWSWITCH_MAX_STAGES 4
#define FLOWSWITCH_ALG_LEN 64
#define FLOWSWITCH_MAX_KEY 64
#define FLOWSWITCH_MAX_DIGEST 64

/**
 * enum flowswitch_xform - &flowswitch_transform.kind (ABI 1.5)
 * @FLOWSWITCH_XFORM_ENCRYPT: a length-preserving cipher of the kernel
 *	crypto API (skcipher: "ctr(aes)", "xts(aes)", "cbc(aes)"), in place
 * @FLOWSWITCH_XFORM_DECRYPT: the same cipher, deciphering
 * @FLOWSWITCH_XFORM_DIGEST: a digest ("sha256", "crc32c", any shash) of
 *	the bytes as they pass this point of the chain, in stream order; the
 *	value is &flowswitch_flow_query.digest
 * @FLOWSWITCH_XFORM_SEAL: (ABI 1.6) AEAD ("gcm(aes)", "rfc4106(gcm(aes))")
 *	sealing, in records: see "AEAD records" below
 * @FLOWSWITCH_XFORM_OPEN: (ABI 1.6) the same AEAD opening such records;
 *	a record that fails authentication fails the flow with EBADMSG at
 *	FLOWSWITCH_STAGE_TRANSFORM, and no record from it on is written
 *
 * AEAD records (ABI 1.6).  A sealing flow cuts what reaches the stage into
 * records of @chunk_size bytes (the last one shorter) and writes each as
 * its ciphertext followed by a 16-byte tag, so record K starts at byte
 * K * (@chunk_size + 16) of each sink.  An opening flow is given the same
 * @chunk_size and reads records of @chunk_size + 16 bytes (its @length
 * counts those bytes, tags included; a last record of 16 bytes or fewer
 * is EINVAL), writing record K's plaintext at K * @chunk_size.  Record K:
 *   - nonce (12 bytes): &flowswitch_transform.iv's first 12 bytes, their
 *     last 8 XORed with K as a big-endian 64-bit number (TLS 1.3's way);
 *     for "rfc4106(gcm(aes))" the key's last 4 bytes are the nonce's
 *     first 4 (the kernel's salt) and @iv's bytes 4..11 the rest;
 *   - associated data (12 bytes): "fsw1", the record's plaintext length
 *     (big-endian 32 bits), flags (big-endian 32 bits, 1 for the last
 *     record of the flow): a record cannot move, shrink, or be cut off at
 *     a record boundary without failing authentication.
 * A flow has at most one SEAL or OPEN stage, with no other cipher (digest
 * stages may come before or after it: they see the bytes there), and
 * never a nonce twice under one key: give each flow its own key or @iv.
 *
 * @FLOWSWITCH_XFORM_COMPRESS: (ABI 1.6) compression of the crypto API
 *	("lz4", "zstd", "deflate"), in frames: see "Compressed frames"
 * @FLOWSWITCH_XFORM_DECOMPRESS: (ABI 1.6) the same algorithm, reading
 *	frames; a frame that does not decompress to what its header says,
 *	or a header that is not one, fails the flow with EBADMSG at
 *	FLOWSWITCH_STAGE_TRANSFORM
 *
 * Compressed frames (ABI 1.6).  A compressing flow cuts what reaches the
 * stage into @chunk_size pieces (the last one shorter) and writes each,
 * in order and back to back, as a frame: a 12-byte header -- "fsz1", the
 * stored length S and the original length N, both big-endian 32 bits --
 * and S bytes: the compressed piece, or the piece itself when compressing
 * did not make it smaller (S == N).  Each sink gets the frames from its
 * offset on, and the query's @out_bytes says how many bytes that was.
 * A decompressing flow is given the same @chunk_size, reads frames from
 * its source (its @length the frames' total) one header at a time, and
 * writes frame K's N bytes at K * @chunk_size: every frame but the last
 * must hold a whole chunk.  Its sinks' sizes are not checked in advance
 * (the output size is known only from the frames): a block device too
 * small fails at the write.  A flow has at most one COMPRESS or
 * DECOMPRESS stage and no cipher; digest stages may come before or after.
 */
enum flowswitch_xform {
	FLOWSWITCH_XFORM_ENCRYPT = 1,
	FLOWSWITCH_XFORM_DECRYPT = 2,
	FLOWSWITCH_XFORM_DIGEST = 3,
	FLOWSWITCH_XFORM_SEAL = 4,
	FLOWSWITCH_XFORM_OPEN = 5,
	FLOWSWITCH_XFORM_COMPRESS = 6,
	FLOWSWITCH_XFORM_DECOMPRESS = 7,
};

/* The tag of an AEAD record (ABI 1.6). */
#define FLOWSWITCH_AEAD_TAG 16
/* The header of a compressed frame (ABI 1.6). */
#define FLOWSWITCH_FRAME_HDR 12

/**
 * enum flowswitch_xform_flags - &flowswitch_transform.flags (ABI 1.5)
 * @FLOWSWITCH_XFORM_KEY_FD: the key is the first @key_len bytes read from
 *	@key_fd (a pipe, a memfd, a file open for reading), read as read(2)
 *	would: from a pipe, FLOWSWITCH_IOC_FLOW_CREATE (or the transaction)
 *	waits for the bytes, a signal ends the wait with EINTR, and an
 *	O_NONBLOCK descriptor with nothing to read gives EAGAIN
 * @FLOWSWITCH_XFORM_KEY_USER: the key is the payload of the "user" key
 *	@key_desc, looked up in the caller's keyrings (request_key)
 * @FLOWSWITCH_XFORM_KEY_LOGON: likewise, a "logon" key (unreadable from
 *	userspace once added: the usual choice)
 */
enum flowswitch_xform_flags {
	FLOWSWITCH_XFORM_KEY_FD = 1 << 0,
	FLOWSWITCH_XFORM_KEY_USER = 1 << 1,
	FLOWSWITCH_XFORM_KEY_LOGON = 1 << 2,
};

/**
 * struct flowswitch_transform - one transform of a flow (ABI 1.5)
 * @kind: enum flowswitch_xform
 * @flags: enum flowswitch_xform_flags: exactly one key source for a
 *	cipher, none for a digest (crc32c takes no key; an HMAC is a later
 *	ABI)
 * @alg: the crypto API algorithm name, NUL-terminated
 * @driver: a driver name ("virtio_crypto_aes_cbc") to insist on one
 *	implementation of @alg, or "" for the crypto API's choice (the
 *	highest priority, which is a CPU implementation where one exists)
 * @key_desc: the key's description with FLOWSWITCH_XFORM_KEY_USER/LOGON
 * @key_fd: with FLOWSWITCH_XFORM_KEY_FD
 * @key_len: with FLOWSWITCH_XFORM_KEY_FD, bytes of key to read (1 to
 *	FLOWSWITCH_MAX_KEY), or 0 for all the fd holds up to its end (a pipe
 *	whose writer closed, a file): more than FLOWSWITCH_MAX_KEY bytes,
 *	or none, is EKEYREJECTED
 * @data_unit: for a cipher with an IV per data unit ("xts(aes)",
 *	"cbc(aes)"): bytes per unit, a power of two from 512 to the chunk
 *	size, and the flow's length a multiple of it; 0 for "ctr(aes)",
 *	whose counter runs through the whole flow
 * @__reserved: must be 0
 * @iv: the first IV.  ctr: the counter block of the flow's first byte
 *	(big-endian; byte N of the flow is enciphered with @iv + N / 16).
 *	Per data unit: unit K of the flow gets the little-endian 64-bit
 *	number (first 8 bytes of @iv, little-endian) + K, zero-padded to the
 *	IV size ("plain64", as dm-crypt): give the sector number of the
 *	flow's first byte on the block device that holds the ciphertext
 * @out_driver: out, the driver that serves the stage (an engine is a
 *	device too: "virtio_crypto_aes_cbc", "aesni_intel" ...)
 * @out_digest_len: out, a digest stage's size in bytes
 * @__reserved2: must be 0
 *
 * Keys are read once, at creation, copied into the transform and into
 * nothing else: no dump, event or query shows them, and they are wiped
 * when the flow is destroyed.  Every stage runs on host memory (a crypto
 * engine cannot address peer memory): a flow with stages gets a host pool
 * under PREFERRED (out_p2p_reason FLOWSWITCH_P2P_TRANSFORM, the usual
 * fallback event) and EXDEV under REQUIRED or with a memory port.
 */
struct flowswitch_transform {
	__u32 kind;
	__u32 flags;
	char alg[FLOWSWITCH_ALG_LEN];
	char driver[FLOWSWITCH_ALG_LEN];
	char key_desc[FLOWSWITCH_ALG_LEN];
	__s32 key_fd;
	__u32 key_len;
	__u32 data_unit;
	__u32 __reserved;
	__u8 iv[16];
	char out_driver[FLOWSWITCH_ALG_LEN];
	__u32 out_digest_len;
	__u32 __reserved2;
};

/**
 * struct flowswitch_sink - one sink of a flow
 * @port_id: a port created with FLOWSWITCH_PORT_WRITE
 * @__reserved: must be 0
 * @offset: where in the sink the flow's first byte goes
 */
struct flowswitch_sink {
	__u32 port_id;
	__u32 __reserved;
	__aligned_u64 offset;
};

/**
 * enum flowswitch_flow_flags - &flowswitch_flow_create.flags
 * @FLOWSWITCH_FLOW_TO_END: ignore @length and move everything from
 *	@src_offset to the source's end (its size when the flow is created)
 * @FLOWSWITCH_FLOW_NO_FLUSH: do not flush the sinks before reporting done
 *	(benchmarks of the transfer alone); the default is to flush
 * @FLOWSWITCH_FLOW_NAMED_PROVIDER: (ABI 1.2) use @p2p_provider
 * @FLOWSWITCH_FLOW_SKIP_CANARY: (ABI 1.3) trust the p2p path without the
 *	self-test (enum flowswitch_canary); recorded as SKIPPED
 * @FLOWSWITCH_FLOW_VERIFY: (ABI 1.4) end-to-end integrity: after the
 *	flush, a crc32c (Castagnoli) of the source's range and one of each
 *	sink's, each read back from its device through host memory (cached
 *	pages of the range dropped first; a memory port's window read
 *	directly), never through the flow's buffers; a difference fails the
 *	flow with EBADMSG at FLOWSWITCH_STAGE_VERIFY, @fail_sink the sink
 *	(~0 when the source could not be read back), bytes_done 0.  The
 *	source's value is &flowswitch_flow_query.crc32c.  Not with
 *	FLOWSWITCH_FLOW_NO_FLUSH (EINVAL).
 */
enum flowswitch_flow_flags {
	FLOWSWITCH_FLOW_TO_END = 1 << 0,
	FLOWSWITCH_FLOW_NO_FLUSH = 1 << 1,
	FLOWSWITCH_FLOW_NAMED_PROVIDER = 1 << 2,
	FLOWSWITCH_FLOW_SKIP_CANARY = 1 << 3,
	FLOWSWITCH_FLOW_VERIFY = 1 << 4,
};

/* A PCI function as a __u32: domain, bus, device and function. */
#define FLOWSWITCH_PCI_ADDR(domain, bus, dev, fn)                               \
	((__u32)(domain) << 16 | (__u32)(bus) << 8 | (__u32)(dev) << 3 |        \
	 (__u32)(fn))

/**
 * enum flowswitch_placement - &flowswitch_flow_create.placement
 * @FLOWSWITCH_P2P_FORBIDDEN: host pages only (the default)
 * @FLOWSWITCH_P2P_PREFERRED: p2p memory where the kernel allows it, host
 *	pages otherwise -- and then the flow says so: out_p2p_reason, a
 *	FLOWSWITCH_EVENT_FALLBACK event and the fallback counters
 * @FLOWSWITCH_P2P_REQUIRED: p2p memory or no flow (EXDEV)
 */
enum flowswitch_placement {
	FLOWSWITCH_P2P_FORBIDDEN = 0,
	FLOWSWITCH_P2P_PREFERRED = 1,
	FLOWSWITCH_P2P_REQUIRED = 2,
};

/**
 * enum flowswitch_pool_kind - where a flow's chunks live
 * @FLOWSWITCH_POOL_HOST: kernel pages in host memory
 * @FLOWSWITCH_POOL_P2P: peer-to-peer memory of a PCI function (an NVMe
 *	CMB, a BAR published by flowswitch's provider driver)
 */
enum flowswitch_pool_kind {
	FLOWSWITCH_POOL_HOST = 1,
	FLOWSWITCH_POOL_P2P = 2,
};

/**
 * enum flowswitch_p2p_reason - why peer-to-peer memory cannot serve a flow
 * @FLOWSWITCH_P2P_OK: it can (or was not asked to)
 * @FLOWSWITCH_P2P_NO_KERNEL_SUPPORT: the kernel was built without
 *	CONFIG_PCI_P2PDMA
 * @FLOWSWITCH_P2P_NO_PROVIDER: no PCI function publishes p2p memory
 * @FLOWSWITCH_P2P_NOT_PCI: a port's I/O is not done by a PCI device (a
 *	file on a memory file system, say)
 * @FLOWSWITCH_P2P_HOST_BRIDGE: the path crosses a host bridge the kernel
 *	does not allow peer-to-peer traffic through
 * @FLOWSWITCH_P2P_ACS_REDIRECT: a bridge on the path redirects peer
 *	requests upstream (ACS); &flowswitch_p2p_verdict.bridge names it
 * @FLOWSWITCH_P2P_NO_MEMORY: the provider has too little free p2p memory
 * @FLOWSWITCH_P2P_BUFFERED_IO: a port would need buffered I/O (an offset
 *	or length not aligned to it, or no direct I/O), in which the CPU
 *	would copy into p2p memory
 * @FLOWSWITCH_P2P_BAD_PROVIDER: the named provider does not exist or
 *	publishes no p2p memory
 * @FLOWSWITCH_P2P_WRONG_DATA: (ABI 1.3) the path self-test moved a pattern
 *	through the exact path and it arrived wrong: the platform accepts
 *	peer-to-peer DMA and does not deliver it
 * @FLOWSWITCH_P2P_SELFTEST_ERROR: (ABI 1.3) the path self-test could not
 *	run (its own I/O failed, or no memory): the path is unproven
 * @FLOWSWITCH_P2P_QUEUE: (ABI 1.3) a port's block device does not take
 *	p2p memory in its requests (its driver is not P2PDMA-aware)
 * @FLOWSWITCH_P2P_TRANSFORM: (ABI 1.5) the flow has transform stages,
 *	which run on host memory
 */
enum flowswitch_p2p_reason {
	FLOWSWITCH_P2P_OK = 0,
	FLOWSWITCH_P2P_NO_KERNEL_SUPPORT = 1,
	FLOWSWITCH_P2P_NO_PROVIDER = 2,
	FLOWSWITCH_P2P_NOT_PCI = 3,
	FLOWSWITCH_P2P_HOST_BRIDGE = 4,
	FLOWSWITCH_P2P_ACS_REDIRECT = 5,
	FLOWSWITCH_P2P_NO_MEMORY = 6,
	FLOWSWITCH_P2P_BUFFERED_IO = 7,
	FLOWSWITCH_P2P_BAD_PROVIDER = 8,
	FLOWSWITCH_P2P_WRONG_DATA = 9,
	FLOWSWITCH_P2P_SELFTEST_ERROR = 10,
	FLOWSWITCH_P2P_QUEUE = 11,
	FLOWSWITCH_P2P_TRANSFORM = 12,
};

/**
 * enum flowswitch_canary - the path self-test of a flow's p2p path
 * @FLOWSWITCH_CANARY_NONE: no p2p path (a host pool), nothing to test
 * @FLOWSWITCH_CANARY_PASSED: run for this flow; the pattern arrived intact
 * @FLOWSWITCH_CANARY_CACHED: every (initiator, provider, direction) of the
 *	path passed before, since the last PCI add, remove, bind or unbind
 * @FLOWSWITCH_CANARY_SKIPPED: the caller asked to skip it
 *	(FLOWSWITCH_FLOW_SKIP_CANARY)
 * @FLOWSWITCH_CANARY_FAILED: it failed (the flow then is not p2p)
 *
 * Before a flow first uses a p2p path, each DMA of it is tried with a
 * known pattern: the source's device reads its first block into the
 * provider memory and the result is compared with the same block read
 * into host memory; each sink's device writes a pattern out of the
 * provider memory into the first block of its range, which is read back
 * through host memory, and the block's old contents put back (a file that
 * grew is truncated back).  A flow out of a memory port tests its sinks
 * through a scratch page of the same provider.
 */
enum flowswitch_canary {
	FLOWSWITCH_CANARY_NONE = 0,
	FLOWSWITCH_CANARY_PASSED = 1,
	FLOWSWITCH_CANARY_CACHED = 2,
	FLOWSWITCH_CANARY_SKIPPED = 3,
	FLOWSWITCH_CANARY_FAILED = 4,
};

/**
 * enum flowswitch_priority - &flowswitch_flow_create.priority, the I/O
 *	priority of the flow's requests
 * @FLOWSWITCH_PRIO_NORMAL: best effort, level 4 (the default of processes)
 * @FLOWSWITCH_PRIO_HIGH: best effort, level 0
 * @FLOWSWITCH_PRIO_BACKGROUND: idle class: only when the device is idle
 */
enum flowswitch_priority {
	FLOWSWITCH_PRIO_NORMAL = 0,
	FLOWSWITCH_PRIO_HIGH = 1,
	FLOWSWITCH_PRIO_BACKGROUND = 2,
};

/**
 * struct flowswitch_flow_create - ioctl(FLOWSWITCH_IOC_FLOW_CREATE)
 * @size: sizeof(struct flowswitch_flow_create)
 * @flags: enum flowswitch_flow_flags
 * @src_port_id: a port created with FLOWSWITCH_PORT_READ
 * @nr_sinks: 1 to FLOWSWITCH_MAX_SINKS; each chunk is written to every sink
 * @sinks_uptr: pointer to @nr_sinks struct flowswitch_sink
 * @src_offset: first byte of the source to move
 * @length: bytes to move (1 or more), unless FLOWSWITCH_FLOW_TO_END
 * @chunk_size: bytes per chunk, a multiple of 4096 from FLOWSWITCH_MIN_CHUNK
 *	to FLOWSWITCH_MAX_CHUNK
 * @depth: chunks in flight at once, 1 to FLOWSWITCH_MAX_DEPTH; the flow's
 *	host pool is @chunk_size x @depth bytes of kernel pages
 * @rate_bps: most bytes per second the flow reads (token bucket, bursts of
 *	one chunk or 100 ms of rate, whichever is larger); 0 for no limit
 * @priority: enum flowswitch_priority
 * @max_retries: times a failed read or write of a chunk is reissued
 *	before the flow fails (each counted in &flowswitch_flow_query.retries)
 * @out_flow_id: out, the flow's id
 * @out_length: out, the resolved length
 * @placement: (ABI 1.2) enum flowswitch_placement: whether the chunks may,
 *	should or must live in peer-to-peer memory
 * @p2p_provider: (ABI 1.2) with FLOWSWITCH_FLOW_NAMED_PROVIDER, the PCI
 *	function whose p2pmem to use, as FLOWSWITCH_PCI_ADDR(); otherwise
 *	the provider nearest to all the flow's devices is chosen
 * @out_pool: out (ABI 1.2), enum flowswitch_pool_kind the flow got
 * @out_p2p_reason: out (ABI 1.2), enum flowswitch_p2p_reason: why the
 *	flow is not in p2p memory (FLOWSWITCH_P2P_OK when it is, or when
 *	@placement is FORBIDDEN).  Written back on EXDEV too.
 * @out_provider: out (ABI 1.2), the provider used, FLOWSWITCH_PCI_ADDR()
 * @out_canary: out (ABI 1.3), enum flowswitch_canary
 * @canary_every_ms: (ABI 1.3) on a p2p path, test it again whenever this
 *	long has passed since the last test (0: never)
 * @__reserved2: must be 0
 * @canary_every_bytes: (ABI 1.3) likewise, whenever the flow has read this
 *	many more bytes (0: never).  A periodic test drains the chunks in
 *	flight, then tests the path at the flow's next block.  When it fails
 *	the flow fails (EREMOTEIO for wrong data, or the errno that kept the
 *	test from running; FLOWSWITCH_STAGE_SELFTEST) and bytes_done falls
 *	back to where the path was last proven: what lies past it may be
 *	wrong.  Only p2p paths are tested.
 * @name: (ABI 1.4) what the flow is called in dumps and events of the
 *	netlink family (flowd gives "FILE:FLOW"): up to
 *	FLOWSWITCH_NAME_LEN - 1 printable ASCII characters, no spaces,
 *	NUL-terminated, the rest zero; all zero for no name.  EINVAL
 *	otherwise.
 * @nr_stages: (ABI 1.5) 0 to FLOWSWITCH_MAX_STAGES transform stages, run
 *	in order on each chunk between its read and its writes
 * @__reserved3: must be 0
 * @stages_uptr: (ABI 1.5) pointer to @nr_stages struct flowswitch_transform;
 *	their out fields are written back
 *
 * Creates the flow in state FLOWSWITCH_FLOW_CREATED; FLOWSWITCH_FLOW_START
 * starts it.  The flow holds its ports: they cannot be destroyed before it.
 *
 * Errors: ENOENT a port id names nothing; EBADF the source port was not
 * created for reading or a sink port for writing; EINVAL bad flags, sizes,
 * counts, priority, placement, a zero length, a range past the source's
 * end or into itself (source and sink the same file with overlapping
 * ranges); EXDEV placement REQUIRED but no p2p memory can serve the flow
 * (out_p2p_reason says why);
 * ENODEV (ABI 1.4) a memory port whose provider went away (its window is
 * gone; FLOWSWITCH_STAGE_DEVICE);
 * (ABI 1.5) a stage: ENOENT no such algorithm or driver, ENOKEY no such
 * key, EKEYREJECTED a key of the wrong size for the cipher, EBADF a
 * @key_fd not open for reading, EINVAL a bad kind, flag, data unit or
 * length for the data unit, a ctr cipher whose block is not 16 bytes, a
 * cipher stage with FLOWSWITCH_FLOW_VERIFY (the sinks hold other bytes
 * than the source by design); ENOMEM; EXDEV with placement REQUIRED or a
 * memory port.  A @key_fd is read while the ioctl runs: its bytes must
 * be there (a pipe's writer done writing), or the ioctl waits for them;
 * ENOSPC a range past a block device sink's end; EOVERFLOW an offset plus
 * length overflows; EDQUOT the pool would pass the per-fd or global cap
 * (module parameters pool_max_per_fd_mb, pool_max_mb); ENOMEM.
 */
struct flowswitch_flow_create {
	__u32 size;
	__u32 flags;
	__u32 src_port_id;
	__u32 nr_sinks;
	__aligned_u64 sinks_uptr;
	__aligned_u64 src_offset;
	__aligned_u64 length;
	__u32 chunk_size;
	__u32 depth;
	__aligned_u64 rate_bps;
	__u32 priority;
	__u32 max_retries;
	__u32 out_flow_id;
	__u32 __reserved;
	__aligned_u64 out_length;
	__u32 placement;
	__u32 p2p_provider;
	__u32 out_pool;
	__u32 out_p2p_reason;
	__u32 out_provider;
	__u32 out_canary;
	__u32 canary_every_ms;
	__u32 __reserved2;
	__aligned_u64 canary_every_bytes;
	char name[FLOWSWITCH_NAME_LEN];
	__u32 nr_stages;
	__u32 __reserved3;
	__aligned_u64 stages_uptr;
};

#define FLOWSWITCH_IOC_FLOW_CREATE                                              \
	_IO(FLOWSWITCH_TYPE, FLOWSWITCH_CMD_FLOW_CREATE)

/**
 * enum flowswitch_flow_state - a flow's life
 * @FLOWSWITCH_FLOW_CREATED: made, not started
 * @FLOWSWITCH_FLOW_RUNNING: moving data
 * @FLOWSWITCH_FLOW_PAUSED: issues no new chunk; those in flight complete
 * @FLOWSWITCH_FLOW_DONE: every byte read, written to every sink, and the
 *	sinks flushed
 * @FLOWSWITCH_FLOW_FAILED: stopped by an error; see the query's error,
 *	fail_stage and fail_offset
 * @FLOWSWITCH_FLOW_STOPPED: stopped by FLOWSWITCH_FLOW_STOP
 *
 * DONE, FAILED and STOPPED are final and are entered only once no I/O of
 * the flow is in flight, so the counters are final too.
 */
enum flowswitch_flow_state {
	FLOWSWITCH_FLOW_CREATED = 1,
	FLOWSWITCH_FLOW_RUNNING = 2,
	FLOWSWITCH_FLOW_PAUSED = 3,
	FLOWSWITCH_FLOW_DONE = 4,
	FLOWSWITCH_FLOW_FAILED = 5,
	FLOWSWITCH_FLOW_STOPPED = 6,
};

/**
 * enum flowswitch_flow_op - &flowswitch_flow_ctl.op
 * @FLOWSWITCH_FLOW_START: CREATED -> RUNNING
 * @FLOWSWITCH_FLOW_PAUSE: RUNNING -> PAUSED
 * @FLOWSWITCH_FLOW_RESUME: PAUSED -> RUNNING
 * @FLOWSWITCH_FLOW_STOP: CREATED, RUNNING or PAUSED -> STOPPED; returns
 *	once the chunks in flight have completed
 *
 * Any other transition fails with EBUSY (the flow is not in a state the op
 * applies to).
 */
enum flowswitch_flow_op {
	FLOWSWITCH_FLOW_START = 1,
	FLOWSWITCH_FLOW_PAUSE = 2,
	FLOWSWITCH_FLOW_RESUME = 3,
	FLOWSWITCH_FLOW_STOP = 4,
};

/**
 * struct flowswitch_flow_ctl - ioctl(FLOWSWITCH_IOC_FLOW_CTL)
 * @size: sizeof(struct flowswitch_flow_ctl)
 * @flags: must be 0
 * @flow_id: the flow
 * @op: enum flowswitch_flow_op
 *
 * Errors: ENOENT no such flow; EINVAL unknown op; EBUSY see the op table.
 */
struct flowswitch_flow_ctl {
	__u32 size;
	__u32 flags;
	__u32 flow_id;
	__u32 op;
};

#define FLOWSWITCH_IOC_FLOW_CTL _IO(FLOWSWITCH_TYPE, FLOWSWITCH_CMD_FLOW_CTL)

/**
 * enum flowswitch_stage - where a flow failed
 * @FLOWSWITCH_STAGE_NONE: it did not
 * @FLOWSWITCH_STAGE_READ: reading the source
 * @FLOWSWITCH_STAGE_WRITE: writing a sink (&flowswitch_flow_query.fail_sink)
 * @FLOWSWITCH_STAGE_FLUSH: flushing a sink after the last write
 * @FLOWSWITCH_STAGE_TRANSFORM: in a transform stage
 * @FLOWSWITCH_STAGE_SELFTEST: (ABI 1.3) a periodic test of the p2p path
 *	found it delivering wrong data
 * @FLOWSWITCH_STAGE_DEVICE: (ABI 1.4) the p2p memory the flow's chunks or
 *	its memory port lived in went away with its provider (driver
 *	unbound, device removed); the error is ENODEV.  The flow's chunks in
 *	flight completed first and the memory was given back, so the unbind
 *	never waits for the flow's owner.
 * @FLOWSWITCH_STAGE_VERIFY: (ABI 1.4) the end-to-end check
 *	(FLOWSWITCH_FLOW_VERIFY) found a sink holding other bytes than the
 *	source produced (EBADMSG), or could not read it back (its errno)
 */
enum flowswitch_stage {
	FLOWSWITCH_STAGE_NONE = 0,
	FLOWSWITCH_STAGE_READ = 1,
	FLOWSWITCH_STAGE_WRITE = 2,
	FLOWSWITCH_STAGE_FLUSH = 3,
	FLOWSWITCH_STAGE_TRANSFORM = 4,
	FLOWSWITCH_STAGE_SELFTEST = 5,
	FLOWSWITCH_STAGE_DEVICE = 6,
	FLOWSWITCH_STAGE_VERIFY = 7,
};

/**
 * struct flowswitch_flow_query - ioctl(FLOWSWITCH_IOC_FLOW_QUERY)
 * @size: sizeof(struct flowswitch_flow_query)
 * @flags: must be 0
 * @flow_id: the flow
 * @state: out, enum flowswitch_flow_state
 * @error: out, the positive errno the device reported, 0 unless FAILED
 * @fail_stage: out, enum flowswitch_stage
 * @fail_sink: out, index of the sink that failed under STAGE_WRITE/FLUSH
 * @in_flight: out, chunks in flight now
 * @length: out, bytes the flow moves in all
 * @bytes_done: out, bytes read and written to every sink, counted from the
 *	flow's first byte without gaps: after a failure, exactly the bytes
 *	before the failing chunk
 * @chunks_done: out, chunks counted in @bytes_done
 * @retries: out, reads and writes reissued after an error
 * @fail_offset: out, source offset of the first failing chunk
 * @direct_bytes: out, bytes read or written with direct I/O (all ports)
 * @buffered_bytes: out, bytes read or written through the page cache
 * @host_pool_bytes: out, size of the flow's host pool
 * @elapsed_ns: out, time running so far, or from start to the final state
 * @p2p_bytes: out (ABI 1.2), bytes DMAed into or out of p2p memory
 * @host_bytes: out (ABI 1.2), bytes DMAed or copied into or out of host
 *	memory: a host-pool flow with one sink moves each payload byte
 *	through host memory twice, a p2p flow never
 * @pool: out (ABI 1.2), enum flowswitch_pool_kind
 * @p2p_reason: out (ABI 1.2), as &flowswitch_flow_create.out_p2p_reason
 * @provider: out (ABI 1.2), FLOWSWITCH_PCI_ADDR() of the p2p provider
 * @canary: out (ABI 1.3), enum flowswitch_canary
 * @canary_ns: out (ABI 1.3), time the path self-test took at creation
 * @canary_checks: out (ABI 1.3), periodic path self-tests run (passed, or
 *	the last one failed)
 * @crc32c: out (ABI 1.4), with FLOWSWITCH_FLOW_VERIFY: the crc32c of the
 *	source's range as read back after the flow (once DONE, or FAILED at
 *	FLOWSWITCH_STAGE_VERIFY); 0 before
 * @__reserved: 0
 * @verify_ns: out (ABI 1.4), time the read-back check took
 * @digest_len: out (ABI 1.5), bytes of @digest: the first digest stage's
 *	size once the flow's last chunk has passed that stage; 0 before that,
 *	and for a flow with no digest stage
 * @__reserved2: out, 0
 * @digest: out (ABI 1.5), the first digest stage's value over the whole
 *	range (set even if a later write or the flush then fails the flow:
 *	it is the digest of what was read)
 * @transform_ns: out (ABI 1.5), time the transform stages took, summed
 *	over chunks (they overlap each other and the I/O)
 * @out_bytes: out (ABI 1.6), bytes written to each sink for the chunks in
 *	@bytes_done: @bytes_done itself, unless stages changed the length
 *	(AEAD records, compressed frames)
 * @zerocopy_bytes: out (ABI 1.6), bytes a socket sink took by reference
 *	to the flow's pages instead of copying them (MSG_SPLICE_PAGES, where
 *	the kernel has it): the pages the network still held when their
 *	chunk was done, which the flow then gave up for fresh ones.  A lower
 *	bound (pages already let go are not seen); 0 where the kernel copies.
 */
struct flowswitch_flow_query {
	__u32 size;
	__u32 flags;
	__u32 flow_id;
	__u32 state;
	__u32 error;
	__u32 fail_stage;
	__u32 fail_sink;
	__u32 in_flight;
	__aligned_u64 length;
	__aligned_u64 bytes_done;
	__aligned_u64 chunks_done;
	__aligned_u64 retries;
	__aligned_u64 fail_offset;
	__aligned_u64 direct_bytes;
	__aligned_u64 buffered_bytes;
	__aligned_u64 host_pool_bytes;
	__aligned_u64 elapsed_ns;
	__aligned_u64 p2p_bytes;
	__aligned_u64 host_bytes;
	__u32 pool;
	__u32 p2p_reason;
	__u32 provider;
	__u32 canary;
	__aligned_u64 canary_ns;
	__aligned_u64 canary_checks;
	__u32 crc32c;
	__u32 __reserved;
	__aligned_u64 verify_ns;
	__u32 digest_len;
	__u32 __reserved2;
	__u8 digest[FLOWSWITCH_MAX_DIGEST];
	__aligned_u64 transform_ns;
	__aligned_u64 out_bytes;
	__aligned_u64 zerocopy_bytes;
};

#define FLOWSWITCH_IOC_FLOW_QUERY                                               \
	_IO(FLOWSWITCH_TYPE, FLOWSWITCH_CMD_FLOW_QUERY)

/**
 * struct flowswitch_flow_wait - ioctl(FLOWSWITCH_IOC_FLOW_WAIT)
 * @size: sizeof(struct flowswitch_flow_wait)
 * @flags: must be 0
 * @flow_id: the flow
 * @timeout_ms: give up after this long (ETIMEDOUT); 0 waits without limit
 * @out_state: out, the final state
 * @__reserved: must be 0
 *
 * Sleeps until the flow is DONE, FAILED or STOPPED.  A signal ends the
 * wait with EINTR.  Errors: ENOENT, ETIMEDOUT, EINTR; EBUSY the flow was
 * never started.
 */
struct flowswitch_flow_wait {
	__u32 size;
	__u32 flags;
	__u32 flow_id;
	__u32 timeout_ms;
	__u32 out_state;
	__u32 __reserved;
};

#define FLOWSWITCH_IOC_FLOW_WAIT _IO(FLOWSWITCH_TYPE, FLOWSWITCH_CMD_FLOW_WAIT)

/**
 * struct flowswitch_destroy - ioctl(FLOWSWITCH_IOC_DESTROY)
 * @size: sizeof(struct flowswitch_destroy)
 * @flags: must be 0
 * @id: a port or flow.  A flow that runs is stopped first (its chunks in
 *	flight complete); a port still used by a flow is EBUSY.
 * @__reserved: must be 0
 */
struct flowswitch_destroy {
	__u32 size;
	__u32 flags;
	__u32 id;
	__u32 __reserved;
};

#define FLOWSWITCH_IOC_DESTROY _IO(FLOWSWITCH_TYPE, FLOWSWITCH_CMD_DESTROY)

/**
 * enum flowswitch_txn_op - &flowswitch_txn_item.op
 * @FLOWSWITCH_TXN_PORT_CREATE: @cmd_uptr points at a flowswitch_port_create
 * @FLOWSWITCH_TXN_FLOW_CREATE: @cmd_uptr points at a flowswitch_flow_create
 */
enum flowswitch_txn_op {
	FLOWSWITCH_TXN_PORT_CREATE = 1,
	FLOWSWITCH_TXN_FLOW_CREATE = 2,
};

/*
 * Inside a transaction, a port id of FLOWSWITCH_TXN_REF(i) in a flow names
 * the port created by item i of the same transaction.
 */
#define FLOWSWITCH_TXN_REF_BIT 0x80000000u
#define FLOWSWITCH_TXN_REF(i) (FLOWSWITCH_TXN_REF_BIT | (__u32)(i))

/**
 * struct flowswitch_txn_item - one item of a transaction
 * @op: enum flowswitch_txn_op
 * @__reserved: must be 0
 * @cmd_uptr: the command's struct, with its own @size; its out fields are
 *	written back when the whole transaction succeeds
 */
struct flowswitch_txn_item {
	__u32 op;
	__u32 __reserved;
	__aligned_u64 cmd_uptr;
};

/**
 * enum flowswitch_txn_flags - &flowswitch_txn.flags
 * @FLOWSWITCH_TXN_START: start every flow of the transaction once all
 *	items are created
 */
enum flowswitch_txn_flags {
	FLOWSWITCH_TXN_START = 1 << 0,
};

/**
 * struct flowswitch_txn - ioctl(FLOWSWITCH_IOC_TXN)
 * @size: sizeof(struct flowswitch_txn)
 * @flags: enum flowswitch_txn_flags
 * @nr_items: 1 to FLOWSWITCH_MAX_TXN_ITEMS
 * @out_failed_item: out, index of the item that failed, or ~0 when none did
 * @items_uptr: pointer to @nr_items struct flowswitch_txn_item
 * @out_failed_errno: out, positive errno of the failed item
 * @__reserved: must be 0
 *
 * Creates the items in order and, with FLOWSWITCH_TXN_START, starts the
 * flows: all of it, or nothing.  When an item fails, everything the
 * transaction made is destroyed, the ioctl fails with that item's errno,
 * and @out_failed_item / @out_failed_errno say which and why (the struct
 * is written back on failure too).
 */
struct flowswitch_txn {
	__u32 size;
	__u32 flags;
	__u32 nr_items;
	__u32 out_failed_item;
	__aligned_u64 items_uptr;
	__u32 out_failed_errno;
	__u32 __reserved;
};

#define FLOWSWITCH_IOC_TXN _IO(FLOWSWITCH_TYPE, FLOWSWITCH_CMD_TXN)

/**
 * enum flowswitch_p2p_map - how a DMA initiator reaches a provider
 * @FLOWSWITCH_MAP_NONE: it cannot (see the reason)
 * @FLOWSWITCH_MAP_BUS_ADDR: through a common PCIe switch, by bus address;
 *	the traffic never reaches the host bridge
 * @FLOWSWITCH_MAP_HOST_BRIDGE: through the host bridge, which the kernel
 *	allows for this platform
 */
enum flowswitch_p2p_map {
	FLOWSWITCH_MAP_NONE = 0,
	FLOWSWITCH_MAP_BUS_ADDR = 1,
	FLOWSWITCH_MAP_HOST_BRIDGE = 2,
};

/**
 * enum flowswitch_verdict_flags - &flowswitch_p2p_verdict.flags
 * @FLOWSWITCH_VERDICT_IOMMU: the initiator's DMA is translated by an
 *	IOMMU: the kernel may allow the path and still deliver nothing
 *	(the path self-test exists for this)
 */
enum flowswitch_verdict_flags {
	FLOWSWITCH_VERDICT_IOMMU = 1 << 0,
};

/**
 * struct flowswitch_p2p_verdict - one initiator against the provider
 * @initiator: FLOWSWITCH_PCI_ADDR() of the PCI function doing the DMA
 * @map: enum flowswitch_p2p_map
 * @distance: the kernel's distance (pci_p2pdma_distance_many()), -1 when
 *	refused
 * @reason: enum flowswitch_p2p_reason
 * @bridge: FLOWSWITCH_PCI_ADDR() of the bridge the reason is about (ACS
 *	redirect), or 0
 * @flags: enum flowswitch_verdict_flags
 * @canary_in: (ABI 1.3) the cached self-test of the initiator's DMA into the
 *	provider's memory: FLOWSWITCH_CANARY_PASSED, _FAILED, or _NONE when
 *	not run since the last PCI change
 * @canary_out: (ABI 1.3) likewise, out of the provider's memory
 * @canary_in_age_ms: (ABI 1.3) how long ago @canary_in was found
 * @canary_out_age_ms: (ABI 1.3) how long ago @canary_out was found
 *
 * An element of an array: its size is &flowswitch_p2p_explain.verdict_size.
 */
struct flowswitch_p2p_verdict {
	__u32 initiator;
	__u32 map;
	__s32 distance;
	__u32 reason;
	__u32 bridge;
	__u32 flags;
	__u32 canary_in;
	__u32 canary_out;
	__u32 canary_in_age_ms;
	__u32 canary_out_age_ms;
};

/**
 * struct flowswitch_p2p_explain - ioctl(FLOWSWITCH_IOC_P2P_EXPLAIN)
 * @size: sizeof(struct flowswitch_p2p_explain)
 * @flags: FLOWSWITCH_FLOW_NAMED_PROVIDER or 0
 * @nr_ports: 1 to FLOWSWITCH_MAX_SINKS + 1 ports whose devices would DMA
 * @ports_uptr: pointer to @nr_ports __u32 port ids
 * @provider: in with FLOWSWITCH_FLOW_NAMED_PROVIDER, else out: the provider
 *	the kernel would choose (FLOWSWITCH_PCI_ADDR())
 * @reason: out, enum flowswitch_p2p_reason for the set as a whole
 * @distance: out, the kernel's total distance, -1 when refused
 * @nr_verdicts: in, room in @verdicts_uptr; out, verdicts written
 * @verdict_size: in, the size of one element of @verdicts_uptr as the
 *	caller knows it; 0 means 24 (ABI 1.2).  Each element gets the fields
 *	that fit.
 * @verdicts_uptr: pointer to struct flowswitch_p2p_verdict, one per port
 * @p2pmem_free: out, bytes of the provider's p2p memory free now (found
 *	by the largest allocation that succeeds, to the page)
 *
 * Answers, as data, what the kernel's P2PDMA rules say about a candidate
 * flow: which provider, by which path, or why not.  Errors: ENOENT a port
 * id; EINVAL counts, flags; EFAULT.  Without CONFIG_PCI_P2PDMA the call
 * succeeds with reason FLOWSWITCH_P2P_NO_KERNEL_SUPPORT.
 */
struct flowswitch_p2p_explain {
	__u32 size;
	__u32 flags;
	__u32 nr_ports;
	__u32 provider;
	__aligned_u64 ports_uptr;
	__u32 reason;
	__s32 distance;
	__u32 nr_verdicts;
	__u32 verdict_size;
	__aligned_u64 verdicts_uptr;
	__aligned_u64 p2pmem_free;
};

#define FLOWSWITCH_IOC_P2P_EXPLAIN                                              \
	_IO(FLOWSWITCH_TYPE, FLOWSWITCH_CMD_P2P_EXPLAIN)

/**
 * struct flowswitch_event - what read() on the control fd returns
 * @type: enum flowswitch_event_type
 * @flow_id: the flow
 * @state: enum flowswitch_flow_state it entered
 * @error: positive errno under FAILED
 * @bytes_done: the flow's bytes_done at that moment
 * @seq: counts every event of this fd, lost ones included
 *
 * The fd polls readable (EPOLLIN) while events are queued.  read() takes
 * whole events only (EINVAL for a buffer smaller than one); it blocks
 * unless the fd is O_NONBLOCK (EAGAIN).  When the queue overflows, the
 * oldest events are kept and a FLOWSWITCH_EVENT_LOST event says how many
 * were dropped (in @bytes_done).
 */
struct flowswitch_event {
	__u32 type;
	__u32 flow_id;
	__u32 state;
	__u32 error;
	__aligned_u64 bytes_done;
	__aligned_u64 seq;
};

/**
 * enum flowswitch_event_type - &flowswitch_event.type
 * @FLOWSWITCH_EVENT_FLOW_STATE: a flow changed state
 * @FLOWSWITCH_EVENT_LOST: events were dropped
 * @FLOWSWITCH_EVENT_FALLBACK: a PREFERRED flow was created in host memory;
 *	@error holds the enum flowswitch_p2p_reason
 * @FLOWSWITCH_EVENT_PEER: (ABI 1.6) the other end of a socket port of the
 *	flow closed the connection (@error EPIPE) or reset it (ECONNRESET);
 *	the flow then fails, with its own state event
 */
enum flowswitch_event_type {
	FLOWSWITCH_EVENT_FLOW_STATE = 1,
	FLOWSWITCH_EVENT_LOST = 2,
	FLOWSWITCH_EVENT_FALLBACK = 3,
	FLOWSWITCH_EVENT_PEER = 4,
};

/*
 * Generic netlink family FLOWSWITCH_GENL_NAME (ABI 1.4): what every file
 * descriptor of the module holds, for tools that did not create it
 * (flowctl list, flowd after a restart, monitors), and events of all of
 * them on one multicast group.
 *
 * Permissions.  GET_STATS is open to all.  The dumps and P2P_EXPLAIN
 * need CAP_NET_ADMIN (GENL_ADMIN_PERM): they name devices and files of
 * other users.  FLOW_STOP needs CAP_NET_ADMIN in the family and
 * CAP_SYS_RAWIO, the capability that opens /dev/flowswitch.  Joining the
 * events group needs CAP_NET_ADMIN on kernels that can say so
 * (GENL_MCAST_CAP_NET_ADMIN: 6.7, and stable backports such as Debian's
 * 6.1.y); older ones let anyone in init_net join.
 * The family lives in the initial network namespace only.
 *
 * Every request is validated strictly: unknown attributes, a reply's
 * attributes, wrong types and lengths fail with EINVAL, a value out of
 * its range with ERANGE, each with an extended ACK naming the attribute.
 * An "owner" is a file descriptor of /dev/flowswitch, named by a number
 * unique while the module is loaded; ids of ports and flows are those of
 * the ioctls, unique within their owner.
 *
 * Commands and their attribute trees:
 *
 * FLOWSWITCH_NL_CMD_GET_STATS (do): the module as a whole.
 *	reply: FLOWSWITCH_A_STATS: nest
 *		FLOWSWITCH_STATS_A_ABI_MAJOR: u32
 *		FLOWSWITCH_STATS_A_ABI_MINOR: u32
 *		FLOWSWITCH_STATS_A_FEATURES: u64, enum flowswitch_feature
 *		FLOWSWITCH_STATS_A_PROVIDERS: u32
 *		FLOWSWITCH_STATS_A_FILES: u32
 *		FLOWSWITCH_STATS_A_PORTS: u32
 *		FLOWSWITCH_STATS_A_FLOWS: u32
 *		FLOWSWITCH_STATS_A_POOL_BYTES: u64
 *		FLOWSWITCH_STATS_A_P2P_BYTES: u64
 *		FLOWSWITCH_STATS_A_HOST_BYTES: u64
 *		FLOWSWITCH_STATS_A_FALLBACKS: u32
 *		FLOWSWITCH_STATS_A_CANARY_FAILURES: u32
 *		FLOWSWITCH_STATS_A_EVENTS: u64, multicast events sent
 *		FLOWSWITCH_STATS_A_EVENTS_DROPPED: u64, not sent (no memory)
 *
 * FLOWSWITCH_NL_CMD_GET_PORT (dump), FLOWSWITCH_NL_CMD_GET_FLOW (dump),
 * FLOWSWITCH_NL_CMD_GET_POOL (dump): one message per object.
 *	request: FLOWSWITCH_A_OWNER_ID: u32, optional, only this owner's
 *	reply: FLOWSWITCH_A_OWNER: nest (every message)
 *		FLOWSWITCH_OWNER_A_ID: u32
 *		FLOWSWITCH_OWNER_A_PID: u32, the opener's process: in the
 *			dumping process's pid namespace (0 when not seen
 *			there); in events, in the initial one
 *		FLOWSWITCH_OWNER_A_UID: u32, the opener's uid
 *		FLOWSWITCH_OWNER_A_COMM: string, the opener's command name
 *	GET_PORT: FLOWSWITCH_A_PORT: nest
 *		FLOWSWITCH_PORT_A_ID: u32
 *		FLOWSWITCH_PORT_A_KIND: u32, enum flowswitch_port_kind
 *		FLOWSWITCH_PORT_A_ACCESS: u32, FLOWSWITCH_PORT_READ | _WRITE
 *		FLOWSWITCH_PORT_A_SIZE: u64
 *		FLOWSWITCH_PORT_A_DIO_ALIGN: u32
 *		FLOWSWITCH_PORT_A_USERS: u32, flows using the port
 *		FLOWSWITCH_PORT_A_PATH: string, the file's path (block, file)
 *		FLOWSWITCH_PORT_A_DISK: string, the disk under it, if any
 *		FLOWSWITCH_PORT_A_PCI: u32, FLOWSWITCH_PCI_ADDR() of the PCI
 *			function doing its DMA (or, memory, the provider)
 *		FLOWSWITCH_PORT_A_BAR: u32, memory: the BAR
 *		FLOWSWITCH_PORT_A_BAR_OFFSET: u64, memory: where the window is
 *	GET_FLOW: FLOWSWITCH_A_FLOW: nest
 *		FLOWSWITCH_FLOW_A_ID: u32
 *		FLOWSWITCH_FLOW_A_NAME: string, absent when unnamed
 *		FLOWSWITCH_FLOW_A_STATE: u32, enum flowswitch_flow_state
 *		FLOWSWITCH_FLOW_A_SRC_PORT: u32
 *		FLOWSWITCH_FLOW_A_SRC_OFFSET: u64
 *		FLOWSWITCH_FLOW_A_SINK: nest, once per sink, in order
 *			FLOWSWITCH_SINK_A_PORT: u32
 *			FLOWSWITCH_SINK_A_OFFSET: u64
 *		FLOWSWITCH_FLOW_A_LENGTH: u64
 *		FLOWSWITCH_FLOW_A_BYTES_DONE: u64
 *		FLOWSWITCH_FLOW_A_CHUNKS_DONE: u64
 *		FLOWSWITCH_FLOW_A_CHUNK: u32
 *		FLOWSWITCH_FLOW_A_DEPTH: u32
 *		FLOWSWITCH_FLOW_A_IN_FLIGHT: u32
 *		FLOWSWITCH_FLOW_A_RATE: u64, bytes/s, 0 unlimited
 *		FLOWSWITCH_FLOW_A_RETRIES: u64
 *		FLOWSWITCH_FLOW_A_ERROR: u32, positive errno
 *		FLOWSWITCH_FLOW_A_FAIL_STAGE: u32, enum flowswitch_stage
 *		FLOWSWITCH_FLOW_A_FAIL_SINK: u32
 *		FLOWSWITCH_FLOW_A_FAIL_OFFSET: u64
 *		FLOWSWITCH_FLOW_A_POOL: u32, enum flowswitch_pool_kind
 *		FLOWSWITCH_FLOW_A_P2P_REASON: u32
 *		FLOWSWITCH_FLOW_A_PROVIDER: u32, FLOWSWITCH_PCI_ADDR(), 0 none
 *		FLOWSWITCH_FLOW_A_CANARY: u32, enum flowswitch_canary
 *		FLOWSWITCH_FLOW_A_P2P_BYTES: u64
 *		FLOWSWITCH_FLOW_A_HOST_BYTES: u64
 *		FLOWSWITCH_FLOW_A_ELAPSED_NS: u64
 *		FLOWSWITCH_FLOW_A_STAGE: nest (ABI 1.5), once per transform
 *		stage, in order; never a key or where it came from
 *			FLOWSWITCH_STAGE_A_KIND: u32, enum flowswitch_xform
 *			FLOWSWITCH_STAGE_A_ALG: string, the algorithm
 *			FLOWSWITCH_STAGE_A_DRIVER: string, the engine serving it
 *			FLOWSWITCH_STAGE_A_DIGEST: binary, a digest's final
 *			value (absent until the flow is done)
 *		FLOWSWITCH_FLOW_A_TRANSFORM_NS: u64 (ABI 1.5)
 *		FLOWSWITCH_FLOW_A_OUT_BYTES: u64 (ABI 1.6), when stages
 *		change lengths
 *		FLOWSWITCH_FLOW_A_ZEROCOPY_BYTES: u64 (ABI 1.6), when the
 *		flow has a socket sink
 *	GET_POOL: FLOWSWITCH_A_POOL: nest (a pool belongs to one flow)
 *		FLOWSWITCH_POOL_A_FLOW: u32, the flow's id
 *		FLOWSWITCH_POOL_A_KIND: u32, enum flowswitch_pool_kind
 *		FLOWSWITCH_POOL_A_BYTES: u64, chunk x depth
 *		FLOWSWITCH_POOL_A_CHUNK: u32
 *		FLOWSWITCH_POOL_A_DEPTH: u32
 *		FLOWSWITCH_POOL_A_IN_USE: u32, chunks in flight now
 *		FLOWSWITCH_POOL_A_PROVIDER: u32, p2p: FLOWSWITCH_PCI_ADDR()
 *
 * FLOWSWITCH_NL_CMD_P2P_EXPLAIN (dump): the kernel's P2P verdict of every
 * (p2pmem provider, initiator) pair, as FLOWSWITCH_IOC_P2P_EXPLAIN gives
 * it for one: the picture of which devices can talk directly.
 *	request: FLOWSWITCH_A_PROVIDER: u32, optional, only this provider
 *		 FLOWSWITCH_A_INITIATOR: u32, optional, only this initiator
 *		 (default: every PCI function that is not a bridge)
 *	reply: FLOWSWITCH_A_VERDICT: nest
 *		FLOWSWITCH_VERDICT_A_PROVIDER: u32
 *		FLOWSWITCH_VERDICT_A_INITIATOR: u32
 *		FLOWSWITCH_VERDICT_A_MAP: u32, enum flowswitch_p2p_map
 *		FLOWSWITCH_VERDICT_A_DISTANCE: s32, -1 refused
 *		FLOWSWITCH_VERDICT_A_REASON: u32, enum flowswitch_p2p_reason
 *		FLOWSWITCH_VERDICT_A_BRIDGE: u32, the ACS bridge, 0 none
 *		FLOWSWITCH_VERDICT_A_FLAGS: u32, enum flowswitch_verdict_flags
 *		FLOWSWITCH_VERDICT_A_CANARY_IN: u32, enum flowswitch_canary
 *		FLOWSWITCH_VERDICT_A_CANARY_OUT: u32
 *		FLOWSWITCH_VERDICT_A_CANARY_IN_AGE_MS: u32
 *		FLOWSWITCH_VERDICT_A_CANARY_OUT_AGE_MS: u32
 *	Without CONFIG_PCI_P2PDMA the dump is empty and GET_STATS's features
 *	say why.
 *
 * FLOWSWITCH_NL_CMD_FLOW_STOP (do): stop another owner's flow, as
 * FLOWSWITCH_FLOW_STOP would (chunks in flight complete first; the owner
 * gets its STOPPED event).  Errors: ENOENT no such owner or flow; EBUSY
 * the flow is in a final state.
 *	request: FLOWSWITCH_A_OWNER_ID: u32, required
 *		 FLOWSWITCH_A_FLOW_ID: u32, required
 *
 * FLOWSWITCH_NL_CMD_EVENT: sent on the FLOWSWITCH_GENL_MCAST_EVENTS group.
 *	FLOWSWITCH_A_OWNER: nest, as in the dumps (absent for device events)
 *	FLOWSWITCH_A_EVENT: nest
 *		FLOWSWITCH_EVENT_A_TYPE: u32, enum flowswitch_nl_event
 *		FLOWSWITCH_EVENT_A_FLOW: u32, the flow's id
 *		FLOWSWITCH_EVENT_A_NAME: string, the flow's name, if any
 *		FLOWSWITCH_EVENT_A_STATE: u32, the state it entered
 *		FLOWSWITCH_EVENT_A_BYTES_DONE: u64
 *		FLOWSWITCH_EVENT_A_ERROR: u32, positive errno (FAILED, POOL_*)
 *		FLOWSWITCH_EVENT_A_STAGE: u32, enum flowswitch_stage (FAILED)
 *		FLOWSWITCH_EVENT_A_OFFSET: u64, the failing source offset
 *		FLOWSWITCH_EVENT_A_REASON: u32, enum flowswitch_p2p_reason
 *			(FALLBACK)
 *		FLOWSWITCH_EVENT_A_PCI: u32, the device (DEVICE_*)
 *		FLOWSWITCH_EVENT_A_DIGEST: binary (ABI 1.6), a flow's first
 *		digest stage's value, in the state event of a DONE flow
 */
#define FLOWSWITCH_GENL_NAME "flowswitch"
#define FLOWSWITCH_GENL_VERSION 1
#define FLOWSWITCH_GENL_MCAST_EVENTS "events"

enum flowswitch_nl_cmd {
	FLOWSWITCH_NL_CMD_UNSPEC,
	FLOWSWITCH_NL_CMD_GET_STATS,
	FLOWSWITCH_NL_CMD_GET_PORT,
	FLOWSWITCH_NL_CMD_GET_FLOW,
	FLOWSWITCH_NL_CMD_GET_POOL,
	FLOWSWITCH_NL_CMD_P2P_EXPLAIN,
	FLOWSWITCH_NL_CMD_FLOW_STOP,
	FLOWSWITCH_NL_CMD_EVENT,
	__FLOWSWITCH_NL_CMD_MAX
};

#define FLOWSWITCH_NL_CMD_MAX (__FLOWSWITCH_NL_CMD_MAX - 1)

enum flowswitch_nl_attr {
	FLOWSWITCH_A_UNSPEC,
	FLOWSWITCH_A_PAD,
	FLOWSWITCH_A_OWNER_ID,
	FLOWSWITCH_A_OWNER,
	FLOWSWITCH_A_FLOW_ID,
	FLOWSWITCH_A_PROVIDER,
	FLOWSWITCH_A_INITIATOR,
	FLOWSWITCH_A_STATS,
	FLOWSWITCH_A_PORT,
	FLOWSWITCH_A_FLOW,
	FLOWSWITCH_A_POOL,
	FLOWSWITCH_A_VERDICT,
	FLOWSWITCH_A_EVENT,
	__FLOWSWITCH_A_MAX
};

#define FLOWSWITCH_A_MAX (__FLOWSWITCH_A_MAX - 1)

enum flowswitch_owner_attr {
	FLOWSWITCH_OWNER_A_UNSPEC,
	FLOWSWITCH_OWNER_A_ID,
	FLOWSWITCH_OWNER_A_PID,
	FLOWSWITCH_OWNER_A_UID,
	FLOWSWITCH_OWNER_A_COMM,
	__FLOWSWITCH_OWNER_A_MAX
};

#define FLOWSWITCH_OWNER_A_MAX (__FLOWSWITCH_OWNER_A_MAX - 1)

enum flowswitch_stats_attr {
	FLOWSWITCH_STATS_A_UNSPEC,
	FLOWSWITCH_STATS_A_PAD,
	FLOWSWITCH_STATS_A_ABI_MAJOR,
	FLOWSWITCH_STATS_A_ABI_MINOR,
	FLOWSWITCH_STATS_A_FEATURES,
	FLOWSWITCH_STATS_A_PROVIDERS,
	FLOWSWITCH_STATS_A_FILES,
	FLOWSWITCH_STATS_A_PORTS,
	FLOWSWITCH_STATS_A_FLOWS,
	FLOWSWITCH_STATS_A_POOL_BYTES,
	FLOWSWITCH_STATS_A_P2P_BYTES,
	FLOWSWITCH_STATS_A_HOST_BYTES,
	FLOWSWITCH_STATS_A_FALLBACKS,
	FLOWSWITCH_STATS_A_CANARY_FAILURES,
	FLOWSWITCH_STATS_A_EVENTS,
	FLOWSWITCH_STATS_A_EVENTS_DROPPED,
	__FLOWSWITCH_STATS_A_MAX
};

#define FLOWSWITCH_STATS_A_MAX (__FLOWSWITCH_STATS_A_MAX - 1)

enum flowswitch_port_attr {
	FLOWSWITCH_PORT_A_UNSPEC,
	FLOWSWITCH_PORT_A_PAD,
	FLOWSWITCH_PORT_A_ID,
	FLOWSWITCH_PORT_A_KIND,
	FLOWSWITCH_PORT_A_ACCESS,
	FLOWSWITCH_PORT_A_SIZE,
	FLOWSWITCH_PORT_A_DIO_ALIGN,
	FLOWSWITCH_PORT_A_USERS,
	FLOWSWITCH_PORT_A_PATH,
	FLOWSWITCH_PORT_A_DISK,
	FLOWSWITCH_PORT_A_PCI,
	FLOWSWITCH_PORT_A_BAR,
	FLOWSWITCH_PORT_A_BAR_OFFSET,
	__FLOWSWITCH_PORT_A_MAX
};

#define FLOWSWITCH_PORT_A_MAX (__FLOWSWITCH_PORT_A_MAX - 1)

enum flowswitch_flow_attr {
	FLOWSWITCH_FLOW_A_UNSPEC,
	FLOWSWITCH_FLOW_A_PAD,
	FLOWSWITCH_FLOW_A_ID,
	FLOWSWITCH_FLOW_A_NAME,
	FLOWSWITCH_FLOW_A_STATE,
	FLOWSWITCH_FLOW_A_SRC_PORT,
	FLOWSWITCH_FLOW_A_SRC_OFFSET,
	FLOWSWITCH_FLOW_A_SINK,
	FLOWSWITCH_FLOW_A_LENGTH,
	FLOWSWITCH_FLOW_A_BYTES_DONE,
	FLOWSWITCH_FLOW_A_CHUNKS_DONE,
	FLOWSWITCH_FLOW_A_CHUNK,
	FLOWSWITCH_FLOW_A_DEPTH,
	FLOWSWITCH_FLOW_A_IN_FLIGHT,
	FLOWSWITCH_FLOW_A_RATE,
	FLOWSWITCH_FLOW_A_RETRIES,
	FLOWSWITCH_FLOW_A_ERROR,
	FLOWSWITCH_FLOW_A_FAIL_STAGE,
	FLOWSWITCH_FLOW_A_FAIL_SINK,
	FLOWSWITCH_FLOW_A_FAIL_OFFSET,
	FLOWSWITCH_FLOW_A_POOL,
	FLOWSWITCH_FLOW_A_P2P_REASON,
	FLOWSWITCH_FLOW_A_PROVIDER,
	FLOWSWITCH_FLOW_A_CANARY,
	FLOWSWITCH_FLOW_A_P2P_BYTES,
	FLOWSWITCH_FLOW_A_HOST_BYTES,
	FLOWSWITCH_FLOW_A_ELAPSED_NS,
	FLOWSWITCH_FLOW_A_STAGE,
	FLOWSWITCH_FLOW_A_TRANSFORM_NS,
	FLOWSWITCH_FLOW_A_OUT_BYTES,
	FLOWSWITCH_FLOW_A_ZEROCOPY_BYTES,
	__FLOWSWITCH_FLOW_A_MAX
};

#define FLOWSWITCH_FLOW_A_MAX (__FLOWSWITCH_FLOW_A_MAX - 1)

enum flowswitch_sink_attr {
	FLOWSWITCH_SINK_A_UNSPEC,
	FLOWSWITCH_SINK_A_PAD,
	FLOWSWITCH_SINK_A_PORT,
	FLOWSWITCH_SINK_A_OFFSET,
	__FLOWSWITCH_SINK_A_MAX
};

#define FLOWSWITCH_SINK_A_MAX (__FLOWSWITCH_SINK_A_MAX - 1)

enum flowswitch_stage_attr {
	FLOWSWITCH_STAGE_A_UNSPEC,
	FLOWSWITCH_STAGE_A_KIND,
	FLOWSWITCH_STAGE_A_ALG,
	FLOWSWITCH_STAGE_A_DRIVER,
	FLOWSWITCH_STAGE_A_DIGEST,
	__FLOWSWITCH_STAGE_A_MAX
};

#define FLOWSWITCH_STAGE_A_MAX (__FLOWSWITCH_STAGE_A_MAX - 1)

enum flowswitch_pool_attr {
	FLOWSWITCH_POOL_A_UNSPEC,
	FLOWSWITCH_POOL_A_PAD,
	FLOWSWITCH_POOL_A_FLOW,
	FLOWSWITCH_POOL_A_KIND,
	FLOWSWITCH_POOL_A_BYTES,
	FLOWSWITCH_POOL_A_CHUNK,
	FLOWSWITCH_POOL_A_DEPTH,
	FLOWSWITCH_POOL_A_IN_USE,
	FLOWSWITCH_POOL_A_PROVIDER,
	__FLOWSWITCH_POOL_A_MAX
};

#define FLOWSWITCH_POOL_A_MAX (__FLOWSWITCH_POOL_A_MAX - 1)

enum flowswitch_verdict_attr {
	FLOWSWITCH_VERDICT_A_UNSPEC,
	FLOWSWITCH_VERDICT_A_PROVIDER,
	FLOWSWITCH_VERDICT_A_INITIATOR,
	FLOWSWITCH_VERDICT_A_MAP,
	FLOWSWITCH_VERDICT_A_DISTANCE,
	FLOWSWITCH_VERDICT_A_REASON,
	FLOWSWITCH_VERDICT_A_BRIDGE,
	FLOWSWITCH_VERDICT_A_FLAGS,
	FLOWSWITCH_VERDICT_A_CANARY_IN,
	FLOWSWITCH_VERDICT_A_CANARY_OUT,
	FLOWSWITCH_VERDICT_A_CANARY_IN_AGE_MS,
	FLOWSWITCH_VERDICT_A_CANARY_OUT_AGE_MS,
	__FLOWSWITCH_VERDICT_A_MAX
};

#define FLOWSWITCH_VERDICT_A_MAX (__FLOWSWITCH_VERDICT_A_MAX - 1)

enum flowswitch_event_attr {
	FLOWSWITCH_EVENT_A_UNSPEC,
	FLOWSWITCH_EVENT_A_PAD,
	FLOWSWITCH_EVENT_A_TYPE,
	FLOWSWITCH_EVENT_A_FLOW,
	FLOWSWITCH_EVENT_A_NAME,
	FLOWSWITCH_EVENT_A_STATE,
	FLOWSWITCH_EVENT_A_BYTES_DONE,
	FLOWSWITCH_EVENT_A_ERROR,
	FLOWSWITCH_EVENT_A_STAGE,
	FLOWSWITCH_EVENT_A_OFFSET,
	FLOWSWITCH_EVENT_A_REASON,
	FLOWSWITCH_EVENT_A_PCI,
	FLOWSWITCH_EVENT_A_DIGEST,
	__FLOWSWITCH_EVENT_A_MAX
};

#define FLOWSWITCH_EVENT_A_MAX (__FLOWSWITCH_EVENT_A_MAX - 1)

/**
 * enum flowswitch_nl_event - &FLOWSWITCH_EVENT_A_TYPE
 * @FLOWSWITCH_NL_EVENT_FLOW_STATE: a flow entered a state; a FAILED one
 *	carries the errno, stage and offset of the I/O error
 * @FLOWSWITCH_NL_EVENT_FALLBACK: a PREFERRED flow got host memory, reason
 * @FLOWSWITCH_NL_EVENT_POOL_EXHAUSTED: a flow was refused its pool (the
 *	errno: EDQUOT over a cap, ENOMEM out of memory); no flow id
 * @FLOWSWITCH_NL_EVENT_DEVICE_REMOVED: a PCI function left the bus
 * @FLOWSWITCH_NL_EVENT_DEVICE_UNBOUND: a PCI function lost its driver
 * @FLOWSWITCH_NL_EVENT_PEER: (ABI 1.6) as FLOWSWITCH_EVENT_PEER, the errno
 *	in FLOWSWITCH_EVENT_A_ERROR
 */
enum flowswitch_nl_event {
	FLOWSWITCH_NL_EVENT_FLOW_STATE = 1,
	FLOWSWITCH_NL_EVENT_FALLBACK = 2,
	FLOWSWITCH_NL_EVENT_POOL_EXHAUSTED = 3,
	FLOWSWITCH_NL_EVENT_DEVICE_REMOVED = 4,
	FLOWSWITCH_NL_EVENT_DEVICE_UNBOUND = 5,
	FLOWSWITCH_NL_EVENT_PEER = 6,
};

#endif /* _UAPI_LINUX_FLOWSWITCH_H */
