// SPDX-License-Identifier: GPL-2.0
/*
 * Transform stages: the kernel crypto API between a chunk's read and its
 * writes.
 *
 * A flow's stages run on each chunk in order, in a work item of the chunk
 * (fsw_wq is unbound: chunks are transformed in parallel with each other
 * and with the flow's I/O, and an asynchronous engine -- virtio-crypto, an
 * accelerator -- is waited for there, not in the flow's work).  Ciphers
 * are length-preserving and work in place: ctr with the counter of the
 * chunk's first byte, or one request per data unit with its plain64 IV.
 *
 * A digest must see the bytes in stream order while chunks finish their
 * reads in any order, so a digest stage admits only the chunk at its
 * cursor (digest_next).  Any other chunk parks there -- its work returns,
 * holding no worker -- and the chunk that moves the cursor requeues the
 * parked one behind it, both under flow->lock.  A parked chunk whose
 * predecessor will never come (the flow is stopping, or failed at an
 * earlier offset) is released by the engine's reap as abandoned.
 *
 * Keys are read once at creation, copied into the transform and wiped
 * from every buffer of ours; freeing the transform wipes its copy.
 */
#include <crypto/aead.h>
#include <crypto/hash.h>
#include <crypto/skcipher.h>
#include <keys/user-type.h>
#include <linux/bvec.h>
#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/key.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <net/netlink.h>

#include "flowswitch.h"

/* The key of @us into @key (FLOWSWITCH_MAX_KEY bytes); its length or -errno. */
static int fsw_stage_key(const struct flowswitch_transform *us, u8 *key)
{
	u32 src = us->flags & (FLOWSWITCH_XFORM_KEY_FD |
			       FLOWSWITCH_XFORM_KEY_USER |
			       FLOWSWITCH_XFORM_KEY_LOGON);
	int ret;

	if (src == FLOWSWITCH_XFORM_KEY_FD) {
		struct file *file = fget(us->key_fd);
		u32 got = 0, want;
		ssize_t n = 0;
		loff_t pos = 0;
		u8 extra = 0;

		if (!file)
			return -EBADF;
		if (!(file->f_mode & FMODE_READ)) {
			fput(file);
			return -EBADF;
		}
		/* key_len bytes, or all the fd holds (0): loop over short reads. */
		want = us->key_len ?: FLOWSWITCH_MAX_KEY + 1;
		while (got < want) {
			u8 *to = got < FLOWSWITCH_MAX_KEY ? key + got : &extra;

			n = kernel_read(file, to, got < FLOWSWITCH_MAX_KEY ?
					min_t(u32, want, FLOWSWITCH_MAX_KEY) -
					got : 1, &pos);
			if (n <= 0)
				break;
			got += n;
		}
		fput(file);
		memzero_explicit(&extra, sizeof(extra));
		if (n < 0)
			return n;
		if (!got || got > FLOWSWITCH_MAX_KEY ||
		    (us->key_len && got != us->key_len))
			return -EKEYREJECTED;
		return got;
	}
#if IS_ENABLED(CONFIG_KEYS)
	if (src == FLOWSWITCH_XFORM_KEY_USER ||
	    src == FLOWSWITCH_XFORM_KEY_LOGON) {
		const struct user_key_payload *payload;
		struct key *k;

		if (!memchr(us->key_desc, 0, sizeof(us->key_desc)) ||
		    !us->key_desc[0])
			return -EINVAL;
		k = request_key(src == FLOWSWITCH_XFORM_KEY_USER ?
				&key_type_user : &key_type_logon,
				us->key_desc, NULL);
		if (IS_ERR(k))
			return -ENOKEY;
		down_read(&k->sem);
		payload = user_key_payload_locked(k);
		if (!payload) {
			ret = -EKEYREVOKED;
		} else if (payload->datalen > FLOWSWITCH_MAX_KEY) {
			ret = -EKEYREJECTED;
		} else {
			memcpy(key, payload->data, payload->datalen);
			ret = payload->datalen;
		}
		up_read(&k->sem);
		key_put(k);
		return ret;
	}
#endif
	ret = -EINVAL;
	return ret;
}

static bool fsw_kind_aead(u32 kind)
{
	return kind == FLOWSWITCH_XFORM_SEAL || kind == FLOWSWITCH_XFORM_OPEN;
}

static bool fsw_kind_comp(u32 kind)
{
	return kind == FLOWSWITCH_XFORM_COMPRESS ||
	       kind == FLOWSWITCH_XFORM_DECOMPRESS;
}

static int fsw_stage_check(const struct flowswitch_transform *us, u32 chunk,
			   u64 length)
{
	const u32 key_flags = FLOWSWITCH_XFORM_KEY_FD |
			      FLOWSWITCH_XFORM_KEY_USER |
			      FLOWSWITCH_XFORM_KEY_LOGON;

	if (us->__reserved || us->__reserved2 || us->flags & ~key_flags ||
	    us->kind < FLOWSWITCH_XFORM_ENCRYPT ||
	    us->kind > FLOWSWITCH_XFORM_DECOMPRESS ||
	    !memchr(us->alg, 0, sizeof(us->alg)) || !us->alg[0] ||
	    !memchr(us->driver, 0, sizeof(us->driver)))
		return -EINVAL;
	if (us->kind == FLOWSWITCH_XFORM_DIGEST || fsw_kind_comp(us->kind))
		return us->flags || us->data_unit ? -EINVAL : 0;
	/* A cipher: exactly one key source. */
	if (hweight32(us->flags) != 1)
		return -EINVAL;
	if ((us->flags & FLOWSWITCH_XFORM_KEY_FD) &&
	    us->key_len > FLOWSWITCH_MAX_KEY)
		return -EINVAL;
	/* AEAD records are the chunks: no data units. */
	if (fsw_kind_aead(us->kind))
		return us->data_unit ? -EINVAL : 0;
	if (us->data_unit &&
	    (!is_power_of_2(us->data_unit) || us->data_unit < 512 ||
	     us->data_unit > chunk || chunk % us->data_unit ||
	     length % us->data_unit))
		return -EINVAL;
	return 0;
}

/*
 * The crypto API's refusal as the UAPI states it: ENOENT for "no such
 * algorithm or driver", whatever the lookup said (EINVAL for a template
 * it cannot build, say), but ENOMEM stays ENOMEM: the algorithm may well
 * exist.
 */
static void *fsw_alloc_err(void *tfm)
{
	return PTR_ERR(tfm) == -ENOMEM ? tfm : ERR_PTR(-ENOENT);
}

/* Allocate @alg, or @driver insisting it implements @alg. */
static struct crypto_skcipher *fsw_alloc_cipher(const char *alg,
						const char *driver)
{
	struct crypto_skcipher *tfm;

	tfm = crypto_alloc_skcipher(driver[0] ? driver : alg, 0, 0);
	if (IS_ERR(tfm))
		return fsw_alloc_err(tfm);
	if (driver[0] &&
	    strcmp(crypto_tfm_alg_name(crypto_skcipher_tfm(tfm)), alg)) {
		crypto_free_skcipher(tfm);
		return ERR_PTR(-ENOENT);
	}
	return tfm;
}

static struct crypto_aead *fsw_alloc_aead(const char *alg, const char *driver)
{
	struct crypto_aead *tfm;

	tfm = crypto_alloc_aead(driver[0] ? driver : alg, 0, 0);
	if (IS_ERR(tfm))
		return fsw_alloc_err(tfm);
	if (driver[0] &&
	    strcmp(crypto_tfm_alg_name(crypto_aead_tfm(tfm)), alg)) {
		crypto_free_aead(tfm);
		return ERR_PTR(-ENOENT);
	}
	return tfm;
}

static struct crypto_shash *fsw_alloc_digest(const char *alg,
					     const char *driver)
{
	struct crypto_shash *tfm;

	tfm = crypto_alloc_shash(driver[0] ? driver : alg, 0, 0);
	if (IS_ERR(tfm))
		return fsw_alloc_err(tfm);
	if (driver[0] &&
	    strcmp(crypto_tfm_alg_name(crypto_shash_tfm(tfm)), alg)) {
		crypto_free_shash(tfm);
		return ERR_PTR(-ENOENT);
	}
	return tfm;
}

/*
 * An AEAD stage: a 12-byte nonce (gcm), or rfc4106's 8 bytes after the
 * salt its key ends with; a 16-byte tag.
 */
static int fsw_stage_setup_aead(struct fsw_stage *st,
				struct flowswitch_transform *us)
{
	u8 key[FLOWSWITCH_MAX_KEY];
	int ret, len;
	u32 ivsize;

	st->aead = fsw_alloc_aead(us->alg, us->driver);
	if (IS_ERR(st->aead)) {
		ret = PTR_ERR(st->aead);
		st->aead = NULL;
		return ret;
	}
	ivsize = crypto_aead_ivsize(st->aead);
	if ((ivsize != 12 && ivsize != 8) ||
	    crypto_aead_setauthsize(st->aead, FLOWSWITCH_AEAD_TAG))
		return -EINVAL;
	us->out_digest_len = 0;
	len = fsw_stage_key(us, key);
	ret = len < 0 ? len : crypto_aead_setkey(st->aead, key, len);
	memzero_explicit(key, sizeof(key));
	if (len < 0)
		return len;
	if (ret)
		return -EKEYREJECTED;
	strscpy(us->out_driver, crypto_aead_driver_name(st->aead),
		sizeof(us->out_driver));
	return 0;
}

/*
 * A compression stage: the compress interface keeps its workspace in the
 * transform, so each worker that may run the stage at once has its own,
 * as many as the flow has chunks or the machine CPUs.
 */
static int fsw_stage_setup_comp(struct fsw_flow *flow, struct fsw_stage *st,
				struct flowswitch_transform *us)
{
	u32 i, n = min(flow->depth, num_online_cpus());

	st->comp = kcalloc(n, sizeof(*st->comp), GFP_KERNEL_ACCOUNT);
	st->comp_lock = kcalloc(n, sizeof(*st->comp_lock), GFP_KERNEL_ACCOUNT);
	if (!st->comp || !st->comp_lock)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct crypto_comp *tfm;

		tfm = crypto_alloc_comp(us->driver[0] ? us->driver : us->alg,
					0, 0);
		if (IS_ERR(tfm))
			return PTR_ERR(fsw_alloc_err(tfm));
		st->comp[i] = tfm;
		st->nr_comp = i + 1;
		mutex_init(&st->comp_lock[i]);
		if (us->driver[0] &&
		    strcmp(crypto_tfm_alg_name(crypto_comp_tfm(tfm)), us->alg))
			return -ENOENT;
	}
	us->out_digest_len = 0;
	strscpy(us->out_driver,
		crypto_tfm_alg_driver_name(crypto_comp_tfm(st->comp[0])),
		sizeof(us->out_driver));
	return 0;
}

static int fsw_stage_setup(struct fsw_flow *flow, struct fsw_stage *st,
			   struct flowswitch_transform *us)
{
	u8 key[FLOWSWITCH_MAX_KEY];
	int ret, len;

	st->kind = us->kind;
	st->data_unit = us->data_unit;
	memcpy(st->iv, us->iv, sizeof(st->iv));
	if (us->kind == FLOWSWITCH_XFORM_DIGEST) {
		st->shash = fsw_alloc_digest(us->alg, us->driver);
		if (IS_ERR(st->shash)) {
			ret = PTR_ERR(st->shash);
			st->shash = NULL;
			return ret;
		}
		st->desc = kzalloc(sizeof(*st->desc) +
				   crypto_shash_descsize(st->shash),
				   GFP_KERNEL_ACCOUNT);
		if (!st->desc)
			return -ENOMEM;
		st->desc->tfm = st->shash;
		ret = crypto_shash_init(st->desc);
		if (ret)
			return ret;
		if (crypto_shash_digestsize(st->shash) > sizeof(st->value))
			return -EINVAL;
		us->out_digest_len = crypto_shash_digestsize(st->shash);
		strscpy(us->out_driver,
			crypto_shash_driver_name(st->shash),
			sizeof(us->out_driver));
		return 0;
	}

	if (fsw_kind_aead(us->kind))
		return fsw_stage_setup_aead(st, us);
	if (fsw_kind_comp(us->kind))
		return fsw_stage_setup_comp(flow, st, us);
	st->skc = fsw_alloc_cipher(us->alg, us->driver);
	if (IS_ERR(st->skc)) {
		ret = PTR_ERR(st->skc);
		st->skc = NULL;
		return ret;
	}
	/* ctr runs its counter through the flow; the others need units. */
	/*
	 * ctr runs its counter through the flow in 16-byte blocks (a 64-bit
	 * block cipher's ctr would reuse its keystream); the others need
	 * units.
	 */
	if (!us->data_unit != !strncmp(us->alg, "ctr(", 4) ||
	    crypto_skcipher_ivsize(st->skc) > sizeof(st->iv) ||
	    (!us->data_unit && crypto_skcipher_ivsize(st->skc) != 16))
		return -EINVAL;
	us->out_digest_len = 0;
	len = fsw_stage_key(us, key);
	ret = len < 0 ? len : crypto_skcipher_setkey(st->skc, key, len);
	memzero_explicit(key, sizeof(key));
	if (len < 0)
		return len;
	if (ret)
		return -EKEYREJECTED;
	strscpy(us->out_driver, crypto_skcipher_driver_name(st->skc),
		sizeof(us->out_driver));
	return 0;
}

/*
 * An AEAD stage makes the chunks records: one SEAL or OPEN and no other
 * cipher, and the record sizes on each side (flow->rec_in, rec_out).
 */
static int fsw_xform_records(struct fsw_flow *flow,
			     const struct flowswitch_transform *us, u32 n)
{
	u32 i, aead = 0, comp = 0, ciphers = 0, kind = 0, last;

	for (i = 0; i < n; i++) {
		if (fsw_kind_aead(us[i].kind)) {
			aead++;
			kind = us[i].kind;
		} else if (fsw_kind_comp(us[i].kind)) {
			comp++;
			kind = us[i].kind;
		} else if (us[i].kind != FLOWSWITCH_XFORM_DIGEST) {
			ciphers++;
		}
	}
	if (!aead && !comp)
		return 0;
	if (aead + comp > 1 || ciphers)
		return -EINVAL;
	if (comp) {
		flow->linear = true;
		flow->rec_out = flow->chunk + FLOWSWITCH_FRAME_HDR;
		if (kind == FLOWSWITCH_XFORM_DECOMPRESS) {
			/* Frames are read header first; sizes come later. */
			flow->framed = true;
			flow->rec_in = flow->rec_out;
			flow->rec_out = flow->chunk;
			flow->out_length = 0;
			return 0;
		}
		/* At most: every frame stored, with its header. */
		flow->out_length = flow->length +
			DIV_ROUND_UP_ULL(flow->length, flow->chunk) *
			FLOWSWITCH_FRAME_HDR;
		flow->ordered = true;
		flow->out_running = true;
		return 0;
	}
	if (kind == FLOWSWITCH_XFORM_SEAL) {
		flow->rec_out = flow->chunk + FLOWSWITCH_AEAD_TAG;
		flow->out_length = flow->length +
			DIV_ROUND_UP_ULL(flow->length, flow->chunk) *
			FLOWSWITCH_AEAD_TAG;
		return 0;
	}
	flow->rec_in = flow->chunk + FLOWSWITCH_AEAD_TAG;
	div_u64_rem(flow->length, flow->rec_in, &last);
	/* Every record, the last too, holds its tag and a byte at least. */
	if (last && last <= FLOWSWITCH_AEAD_TAG)
		return -EINVAL;
	flow->out_length = flow->length -
		DIV_ROUND_UP_ULL(flow->length, flow->rec_in) *
		FLOWSWITCH_AEAD_TAG;
	flow->ordered = true;
	return 0;
}

/*
 * Copy in and set up @cmd's stages, and write their out fields back.
 * Called at creation, before the pool is chosen; on error the caller's
 * fsw_xform_free() undoes what was done.
 */
int fsw_xform_create(struct fsw_flow *flow, struct flowswitch_flow_create *cmd)
{
	struct flowswitch_transform *us;
	int ret = 0;
	u32 i;

	if (!cmd->nr_stages)
		return 0;
	if (cmd->nr_stages > FLOWSWITCH_MAX_STAGES)
		return -EINVAL;
	us = memdup_user(u64_to_user_ptr(cmd->stages_uptr),
			 array_size(cmd->nr_stages, sizeof(*us)));
	if (IS_ERR(us))
		return PTR_ERR(us);
	for (i = 0; i < cmd->nr_stages && !ret; i++)
		ret = fsw_stage_check(&us[i], flow->chunk, flow->length);
	if (!ret)
		ret = fsw_xform_records(flow, us, cmd->nr_stages);
	if (ret)
		goto out;
	flow->stages = kcalloc(cmd->nr_stages, sizeof(*flow->stages),
			       GFP_KERNEL_ACCOUNT);
	ret = -ENOMEM;
	if (!flow->stages)
		goto out;
	flow->nr_stages = cmd->nr_stages;
	for (i = 0; i < cmd->nr_stages; i++) {
		ret = fsw_stage_setup(flow, &flow->stages[i], &us[i]);
		if (ret)
			goto out;
	}
	if (copy_to_user(u64_to_user_ptr(cmd->stages_uptr), us,
			 array_size(cmd->nr_stages, sizeof(*us))))
		ret = -EFAULT;
out:
	/* Only key_fd and key_desc name keys; no key bytes were copied in. */
	kfree(us);
	return ret;
}

void fsw_xform_free(struct fsw_flow *flow)
{
	u32 i, j;

	for (i = 0; i < flow->nr_stages; i++) {
		struct fsw_stage *st = &flow->stages[i];

		if (st->skc)
			crypto_free_skcipher(st->skc);
		if (st->aead)
			crypto_free_aead(st->aead);
		for (j = 0; j < st->nr_comp; j++)
			crypto_free_comp(st->comp[j]);
		kfree(st->comp);
		kfree(st->comp_lock);
		kfree_sensitive(st->desc);
		if (st->shash)
			crypto_free_shash(st->shash);
	}
	kfree(flow->stages);
	flow->stages = NULL;
	flow->nr_stages = 0;
}

/* Where a walk over the slot's bio_vecs is: entry @i starts at @pos. */
struct fsw_bvec_cursor {
	u32 i;
	u32 pos;
};

/*
 * Point @sg at [@off, @off + @len) of the slot's buffer, one entry per
 * page piece, walking on from @cur (calls come in increasing @off).  @sg
 * was initialised once; entries are unmarked as they are reused.
 */
static unsigned int fsw_slot_sg(struct fsw_slot *slot, u32 off, u32 len,
				struct scatterlist *sg, unsigned int max,
				struct fsw_bvec_cursor *cur)
{
	unsigned int n = 0;

	while (cur->i < slot->nr_bvec &&
	       off >= cur->pos + slot->bvec[cur->i].bv_len)
		cur->pos += slot->bvec[cur->i++].bv_len;
	while (len && cur->i < slot->nr_bvec && n < max) {
		struct bio_vec *bv = &slot->bvec[cur->i];
		u32 o = bv->bv_offset + (off - cur->pos);
		u32 take = min3(len, bv->bv_offset + bv->bv_len - o,
				(u32)(PAGE_SIZE - offset_in_page(o)));

		sg_unmark_end(&sg[n]);
		sg_set_page(&sg[n++], bv->bv_page + (o >> PAGE_SHIFT), take,
			    offset_in_page(o));
		len -= take;
		off += take;
		if (off == cur->pos + bv->bv_len)
			cur->pos += slot->bvec[cur->i++].bv_len;
	}
	if (WARN_ON_ONCE(!n || len))
		return 0;
	sg_mark_end(&sg[n - 1]);
	return n;
}

/* ctr: the counter block of byte @pos is @iv + @pos / 16, big-endian. */
static void fsw_ctr_iv(u8 *out, const u8 *iv, u64 pos)
{
	u64 add = pos / 16;
	int i;

	memcpy(out, iv, 16);
	for (i = 15; i >= 0 && add; i--) {
		u32 sum = out[i] + (u32)(add & 0xff);

		out[i] = sum;
		add = (add >> 8) + (sum >> 8);
	}
}

static int fsw_stage_cipher(struct fsw_flow *flow, struct fsw_slot *slot,
			    struct fsw_stage *st)
{
	u32 off = 0, unit = st->data_unit ?: slot->len;
	/* One entry per page a unit touches, plus one for an offset start. */
	unsigned int max = DIV_ROUND_UP(unit, PAGE_SIZE) + 1;
	struct fsw_bvec_cursor cur = {};
	struct skcipher_request *req;
	struct scatterlist *sg;
	DECLARE_CRYPTO_WAIT(wait);
	unsigned int noio;
	int ret = 0;
	u8 *iv;

	/* GFP_KERNEL under a no-I/O scope: kvmalloc for a long table. */
	noio = memalloc_noio_save();
	req = skcipher_request_alloc(st->skc, GFP_KERNEL);
	sg = kvmalloc_array(max, sizeof(*sg), GFP_KERNEL);
	/* Off the stack: a driver may map the IV for DMA. */
	iv = kmalloc(16, GFP_KERNEL);
	memalloc_noio_restore(noio);
	if (!req || !sg || !iv) {
		ret = -ENOMEM;
		goto out;
	}
	sg_init_table(sg, max);
	skcipher_request_set_callback(req, CRYPTO_TFM_REQ_MAY_SLEEP |
					   CRYPTO_TFM_REQ_MAY_BACKLOG,
				      crypto_req_done, &wait);
	for (off = 0; off < slot->len && !ret; off += unit) {
		u32 len = min(unit, slot->len - off);

		/* Stopping: the chunk is abandoned, its bytes moot. */
		if (READ_ONCE(flow->stopping)) {
			ret = -ECANCELED;
			break;
		}
		if (st->data_unit) {
			__le64 n;

			memcpy(&n, st->iv, sizeof(n));
			n = cpu_to_le64(le64_to_cpu(n) +
					div_u64(slot->off + off, unit));
			memset(iv, 0, 16);
			memcpy(iv, &n, sizeof(n));
		} else {
			fsw_ctr_iv(iv, st->iv, slot->off);
		}
		if (!fsw_slot_sg(slot, off, len, sg, max, &cur)) {
			ret = -EIO;
			break;
		}
		skcipher_request_set_crypt(req, sg, sg, len, iv);
		ret = crypto_wait_req(st->kind == FLOWSWITCH_XFORM_ENCRYPT ?
				      crypto_skcipher_encrypt(req) :
				      crypto_skcipher_decrypt(req), &wait);
	}
out:
	kfree(iv);
	kvfree(sg);
	skcipher_request_free(req);
	return ret;
}

/*
 * Seal or open @slot's record in place: associated data, then the record
 * (and its tag).  See "AEAD records" in the UAPI header.
 */
static int fsw_stage_aead(struct fsw_flow *flow, struct fsw_slot *slot,
			  struct fsw_stage *st)
{
	bool seal = st->kind == FLOWSWITCH_XFORM_SEAL;
	u32 ivsize = crypto_aead_ivsize(st->aead);
	u32 len = slot->xlen, plain = seal ? len : len - FLOWSWITCH_AEAD_TAG;
	u32 span = plain + FLOWSWITCH_AEAD_TAG;
	unsigned int max = DIV_ROUND_UP(span, PAGE_SIZE) + 2, noio;
	struct fsw_bvec_cursor cur = {};
	struct aead_request *req;
	struct scatterlist *sg;
	DECLARE_CRYPTO_WAIT(wait);
	__be64 nr, *tail;
	__be32 *ad;
	u8 *buf;
	int ret;

	noio = memalloc_noio_save();
	req = aead_request_alloc(st->aead, GFP_KERNEL);
	sg = kvmalloc_array(max, sizeof(*sg), GFP_KERNEL);
	/* 12 bytes of associated data, rfc4106's 8-byte IV, the nonce. */
	buf = kzalloc(32, GFP_KERNEL);
	memalloc_noio_restore(noio);
	ret = -ENOMEM;
	if (!req || !sg || !buf)
		goto out;
	ad = (__be32 *)buf;
	memcpy(buf, "fsw1", 4);
	ad[1] = cpu_to_be32(plain);
	ad[2] = cpu_to_be32(slot->off + slot->len == flow->length);
	/* The nonce: iv[0..11], its last 8 bytes XOR the record number. */
	memcpy(buf + 20, st->iv, 12);
	tail = (__be64 *)(buf + 24);
	nr = cpu_to_be64(div_u64(slot->off, flow->rec_in));
	*tail ^= nr;	/* buf + 24: kzalloc()ed, so 8-byte aligned */
	/* rfc4106 takes the IV's 8 bytes after the associated data too. */
	if (ivsize == 8)
		memcpy(buf + 12, buf + 24, 8);

	sg_init_table(sg, max);
	sg_set_buf(&sg[0], buf, ivsize == 8 ? 20 : 12);
	ret = -EIO;
	if (!fsw_slot_sg(slot, 0, span, sg + 1, max - 1, &cur))
		goto out;
	aead_request_set_callback(req, CRYPTO_TFM_REQ_MAY_SLEEP |
				       CRYPTO_TFM_REQ_MAY_BACKLOG,
				  crypto_req_done, &wait);
	aead_request_set_ad(req, ivsize == 8 ? 20 : 12);
	aead_request_set_crypt(req, sg, sg, len,
			       ivsize == 8 ? buf + 24 : buf + 20);
	ret = crypto_wait_req(seal ? crypto_aead_encrypt(req) :
				     crypto_aead_decrypt(req), &wait);
	if (!ret)
		slot->xlen = seal ? span : plain;
out:
	kfree_sensitive(buf);
	kvfree(sg);
	aead_request_free(req);
	return ret;
}

static void fsw_slot_swap(struct fsw_slot *slot)
{
	swap(slot->kva, slot->alt_kva);
	swap(slot->bvec, slot->alt_bvec);
}

/* A frame's header: magic, stored and original length (big-endian). */
struct fsw_frame_hdr {
	u8 magic[4];
	__be32 stored;
	__be32 orig;
} __packed;

static_assert(sizeof(struct fsw_frame_hdr) == FLOWSWITCH_FRAME_HDR);

/*
 * Compress @slot's piece into a frame in the other buffer, or decompress
 * its frame, and swap the buffers.  See "Compressed frames" in the UAPI.
 */
static int fsw_stage_comp(struct fsw_flow *flow, struct fsw_slot *slot,
			  struct fsw_stage *st)
{
	u32 n = (slot - flow->slots) % st->nr_comp, len = slot->xlen;
	struct fsw_frame_hdr *h;
	unsigned int dlen, noio;
	int ret;

	mutex_lock(&st->comp_lock[n]);
	noio = memalloc_noio_save();
	if (st->kind == FLOWSWITCH_XFORM_COMPRESS) {
		h = slot->alt_kva;
		/* Only a smaller result is worth it: else stored as is. */
		dlen = len - 1;
		ret = len > 1 ? crypto_comp_compress(st->comp[n], slot->kva,
						     len, slot->alt_kva +
						     sizeof(*h), &dlen) : -1;
		if (ret || dlen >= len) {
			memcpy(slot->alt_kva + sizeof(*h), slot->kva, len);
			dlen = len;
		}
		memcpy(h->magic, "fsz1", 4);
		h->stored = cpu_to_be32(dlen);
		h->orig = cpu_to_be32(len);
		slot->xlen = sizeof(*h) + dlen;
		ret = 0;
	} else {
		u32 stored, orig;

		h = slot->kva;
		stored = be32_to_cpu(h->stored);
		orig = be32_to_cpu(h->orig);
		dlen = orig;
		ret = 0;
		/* The engine checked the header as it read it. */
		if (stored == orig)
			memcpy(slot->alt_kva, slot->kva + sizeof(*h), orig);
		else
			ret = crypto_comp_decompress(st->comp[n],
						     slot->kva + sizeof(*h),
						     stored, slot->alt_kva,
						     &dlen);
		if (ret || dlen != orig)
			ret = -EBADMSG;
		slot->xlen = orig;
	}
	memalloc_noio_restore(noio);
	mutex_unlock(&st->comp_lock[n]);
	if (!ret)
		fsw_slot_swap(slot);
	return ret;
}

/*
 * From the flow's work: @slot read a frame's header.  Check it and make
 * the slot's read cover the frame; the next frame's header comes after.
 */
int fsw_xform_frame(struct fsw_flow *flow, struct fsw_slot *slot)
{
	struct fsw_frame_hdr *h = slot->kva;
	u32 stored, orig;
	u64 end;

	if (slot->len < sizeof(*h) || memcmp(h->magic, "fsz1", 4))
		return -EBADMSG;
	stored = be32_to_cpu(h->stored);
	orig = be32_to_cpu(h->orig);
	if (!orig || orig > flow->chunk || stored > orig)
		return -EBADMSG;
	end = slot->off + sizeof(*h) + stored;
	/* Past the flow's end, or short of a whole chunk but not last. */
	if (end > flow->length || (end < flow->length && orig != flow->chunk))
		return -EBADMSG;
	slot->len = sizeof(*h) + stored;
	slot->out_len = orig;
	slot->hdr_done = true;
	spin_lock_irq(&flow->lock);
	flow->issued += stored;
	spin_unlock_irq(&flow->lock);
	return 0;
}

static int fsw_stage_digest(struct fsw_slot *slot, struct fsw_stage *st)
{
	u32 i, left = slot->xlen;
	int ret = 0;

	for (i = 0; i < slot->nr_bvec && left && !ret; i++) {
		struct bio_vec *bv = &slot->bvec[i];
		u32 done = 0, n = min(left, bv->bv_len);

		while (done < n && !ret) {
			u32 off = bv->bv_offset + done;
			struct page *page = bv->bv_page + (off >> PAGE_SHIFT);
			u32 in_page = offset_in_page(off);
			u32 take = min_t(u32, n - done, PAGE_SIZE - in_page);
			void *addr = kmap_local_page(page);

			ret = crypto_shash_update(st->desc, addr + in_page,
						  take);
			kunmap_local(addr);
			done += take;
		}
		left -= n;
	}
	return ret;
}

/*
 * The digest stage @idx for @slot, in stream order.  Returns 1 when the
 * slot parked (not its turn), else 0 or -errno.
 */
static int fsw_stage_ordered(struct fsw_flow *flow, struct fsw_slot *slot,
			     u32 idx)
{
	struct fsw_stage *st = &flow->stages[idx];
	u32 n = slot - flow->slots;
	struct fsw_slot *next = &flow->slots[(n + 1) % flow->depth];
	bool requeue = false, last;
	int ret;

	spin_lock_irq(&flow->lock);
	if (st->digest_next != slot->off) {
		slot->xform_parked = true;
		/*
		 * The reap must see it: if the chunk this one waits for was
		 * abandoned before it parked, only the reap can release it.
		 */
		mod_delayed_work(fsw_wq, &flow->work, 0);
		spin_unlock_irq(&flow->lock);
		return 1;
	}
	spin_unlock_irq(&flow->lock);

	ret = fsw_stage_digest(slot, st);
	last = slot->off + slot->len == flow->length;
	if (!ret && last)
		ret = crypto_shash_final(st->desc, st->value);

	spin_lock_irq(&flow->lock);
	if (!ret) {
		st->digest_next += slot->len;
		if (last)
			st->final = true;
		if (next != slot && next->xform_parked &&
		    next->xform_stage == idx &&
		    next->off == st->digest_next) {
			next->xform_parked = false;
			requeue = true;
		}
	}
	spin_unlock_irq(&flow->lock);
	if (requeue)
		queue_work(fsw_wq, &next->xform_work);
	return ret;
}

static void fsw_xform_work(struct work_struct *work)
{
	struct fsw_slot *slot = container_of(work, struct fsw_slot,
					     xform_work);
	struct fsw_flow *flow = slot->flow;
	u64 t0 = ktime_get_ns();
	unsigned long irqflags;
	int ret = 0;

	for (; slot->xform_stage < flow->nr_stages && !ret;
	     slot->xform_stage++) {
		struct fsw_stage *st = &flow->stages[slot->xform_stage];

		if (st->kind == FLOWSWITCH_XFORM_DIGEST) {
			ret = fsw_stage_ordered(flow, slot, slot->xform_stage);
			if (ret == 1)
				return;	/* parked: requeued at its turn */
		} else if (st->aead) {
			ret = fsw_stage_aead(flow, slot, st);
		} else if (st->comp) {
			ret = fsw_stage_comp(flow, slot, st);
		} else {
			ret = fsw_stage_cipher(flow, slot, st);
		}
	}

	/* As fsw_io_complete(): after the unlock the slot is not ours. */
	spin_lock_irqsave(&flow->lock, irqflags);
	flow->transform_ns += ktime_get_ns() - t0;
	slot->xform_res = ret;
	slot->xform_complete = true;
	mod_delayed_work(fsw_wq, &flow->work, 0);
	spin_unlock_irqrestore(&flow->lock, irqflags);
}

void fsw_xform_slot_init(struct fsw_slot *slot)
{
	INIT_WORK(&slot->xform_work, fsw_xform_work);
}

/* From the flow's work: run the stages on @slot, whose read is complete. */
void fsw_xform_start(struct fsw_flow *flow, struct fsw_slot *slot)
{
	slot->phase = FSW_SLOT_TRANSFORM;
	slot->xlen = slot->len;
	spin_lock_irq(&flow->lock);
	slot->xform_stage = 0;
	slot->xform_complete = false;
	slot->xform_parked = false;
	spin_unlock_irq(&flow->lock);
	slot->xform_in_flight = true;
	flow->ios_in_flight++;
	queue_work(fsw_wq, &slot->xform_work);
}

/*
 * From the flow's work: has @slot's transform finished?  A parked slot
 * that must not wait any longer (@abandoned) finishes here.  Returns true
 * with the result in *@res; the caller ignores the result of an abandoned
 * slot, so no errno has to mean "abandoned".
 */
bool fsw_xform_reap(struct fsw_flow *flow, struct fsw_slot *slot,
		    bool abandoned, int *res)
{
	bool done = false;

	spin_lock_irq(&flow->lock);
	if (slot->xform_complete) {
		*res = slot->xform_res;
		done = true;
	} else if (slot->xform_parked && abandoned) {
		slot->xform_parked = false;
		*res = 0;	/* the caller sees it abandoned */
		done = true;
	}
	spin_unlock_irq(&flow->lock);
	if (done) {
		slot->xform_in_flight = false;
		flow->ios_in_flight--;
	}
	return done;
}

/* The first digest stage's value, once final; its length or 0. */
u32 fsw_xform_digest(struct fsw_flow *flow, u8 *out)
{
	u32 i;

	lockdep_assert_held(&flow->lock);
	for (i = 0; i < flow->nr_stages; i++) {
		struct fsw_stage *st = &flow->stages[i];

		if (st->kind != FLOWSWITCH_XFORM_DIGEST)
			continue;
		if (!st->final)
			return 0;
		memcpy(out, st->value, crypto_shash_digestsize(st->shash));
		return crypto_shash_digestsize(st->shash);
	}
	return 0;
}

/* Each stage as a nest of type @attr: what runs, where; never the key. */
int fsw_xform_nl_put(struct sk_buff *skb, struct fsw_flow *flow, int attr)
{
	u8 value[FLOWSWITCH_MAX_DIGEST];
	u32 i;

	for (i = 0; i < flow->nr_stages; i++) {
		struct fsw_stage *st = &flow->stages[i];
		struct crypto_tfm *tfm = st->skc ?
			crypto_skcipher_tfm(st->skc) :
			st->aead ? crypto_aead_tfm(st->aead) :
			st->comp ? crypto_comp_tfm(st->comp[0]) :
			crypto_shash_tfm(st->shash);
		struct nlattr *nest = nla_nest_start(skb, attr);
		bool final;

		spin_lock_irq(&flow->lock);
		final = st->final;
		if (final)
			memcpy(value, st->value, sizeof(value));
		spin_unlock_irq(&flow->lock);
		if (!nest ||
		    nla_put_u32(skb, FLOWSWITCH_STAGE_A_KIND, st->kind) ||
		    nla_put_string(skb, FLOWSWITCH_STAGE_A_ALG,
				   crypto_tfm_alg_name(tfm)) ||
		    nla_put_string(skb, FLOWSWITCH_STAGE_A_DRIVER,
				   crypto_tfm_alg_driver_name(tfm)) ||
		    (st->shash && final &&
		     nla_put(skb, FLOWSWITCH_STAGE_A_DIGEST,
			     crypto_shash_digestsize(st->shash), value)))
			return -EMSGSIZE;
		nla_nest_end(skb, nest);
	}
	return 0;
}

/* Does any stage change the bytes? */
bool fsw_xform_ciphers(struct fsw_flow *flow)
{
	u32 i;

	for (i = 0; i < flow->nr_stages; i++)
		if (flow->stages[i].kind != FLOWSWITCH_XFORM_DIGEST)
			return true;
	return false;
}
