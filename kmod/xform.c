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
#include <crypto/hash.h>
#include <crypto/skcipher.h>
#include <keys/user-type.h>
#include <linux/bvec.h>
#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/key.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

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
		loff_t pos = 0;
		ssize_t n;

		if (!file)
			return -EBADF;
		if (!(file->f_mode & FMODE_READ)) {
			fput(file);
			return -EBADF;
		}
		n = kernel_read(file, key, us->key_len, &pos);
		fput(file);
		if (n < 0)
			return n;
		return n == us->key_len ? n : -EKEYREJECTED;
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

static int fsw_stage_check(const struct flowswitch_transform *us, u32 chunk,
			   u64 length)
{
	const u32 key_flags = FLOWSWITCH_XFORM_KEY_FD |
			      FLOWSWITCH_XFORM_KEY_USER |
			      FLOWSWITCH_XFORM_KEY_LOGON;

	if (us->__reserved || us->__reserved2 || us->flags & ~key_flags ||
	    us->kind < FLOWSWITCH_XFORM_ENCRYPT ||
	    us->kind > FLOWSWITCH_XFORM_DIGEST ||
	    !memchr(us->alg, 0, sizeof(us->alg)) || !us->alg[0] ||
	    !memchr(us->driver, 0, sizeof(us->driver)))
		return -EINVAL;
	if (us->kind == FLOWSWITCH_XFORM_DIGEST)
		return us->flags || us->data_unit ? -EINVAL : 0;
	/* A cipher: exactly one key source. */
	if (hweight32(us->flags) != 1)
		return -EINVAL;
	if ((us->flags & FLOWSWITCH_XFORM_KEY_FD) &&
	    (!us->key_len || us->key_len > FLOWSWITCH_MAX_KEY))
		return -EINVAL;
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

static int fsw_stage_setup(struct fsw_stage *st,
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

	st->skc = fsw_alloc_cipher(us->alg, us->driver);
	if (IS_ERR(st->skc)) {
		ret = PTR_ERR(st->skc);
		st->skc = NULL;
		return ret;
	}
	/* ctr runs its counter through the flow; the others need units. */
	if (!us->data_unit != !strncmp(us->alg, "ctr(", 4) ||
	    crypto_skcipher_ivsize(st->skc) > sizeof(st->iv))
		return -EINVAL;
	len = fsw_stage_key(us, key);
	if (len < 0)
		return len;
	ret = crypto_skcipher_setkey(st->skc, key, len);
	memzero_explicit(key, sizeof(key));
	if (ret)
		return -EKEYREJECTED;
	strscpy(us->out_driver, crypto_skcipher_driver_name(st->skc),
		sizeof(us->out_driver));
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
	if (ret)
		goto out;
	flow->stages = kcalloc(cmd->nr_stages, sizeof(*flow->stages),
			       GFP_KERNEL_ACCOUNT);
	ret = -ENOMEM;
	if (!flow->stages)
		goto out;
	flow->nr_stages = cmd->nr_stages;
	for (i = 0; i < cmd->nr_stages; i++) {
		ret = fsw_stage_setup(&flow->stages[i], &us[i]);
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
	u32 i;

	for (i = 0; i < flow->nr_stages; i++) {
		struct fsw_stage *st = &flow->stages[i];

		if (st->skc)
			crypto_free_skcipher(st->skc);
		kfree_sensitive(st->desc);
		if (st->shash)
			crypto_free_shash(st->shash);
	}
	kfree(flow->stages);
	flow->stages = NULL;
	flow->nr_stages = 0;
}

/* Fill @sg with [@off, @off + @len) of the slot's buffer; entries used. */
static unsigned int fsw_slot_sg(struct fsw_slot *slot, u32 off, u32 len,
				struct scatterlist *sg, unsigned int max)
{
	unsigned int n = 0;
	u32 i, pos = 0;

	sg_init_table(sg, max);
	for (i = 0; i < slot->nr_bvec && len; i++) {
		struct bio_vec *bv = &slot->bvec[i];
		u32 skip, take;

		if (off >= pos + bv->bv_len) {
			pos += bv->bv_len;
			continue;
		}
		skip = off > pos ? off - pos : 0;
		take = min(len, bv->bv_len - skip);
		sg_set_page(&sg[n++], bv->bv_page, take, bv->bv_offset + skip);
		len -= take;
		off += take;
		pos += bv->bv_len;
	}
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

static int fsw_stage_cipher(struct fsw_slot *slot, struct fsw_stage *st)
{
	unsigned int max = slot->nr_bvec + 1;
	struct skcipher_request *req;
	struct scatterlist *sg;
	DECLARE_CRYPTO_WAIT(wait);
	u8 iv[16];
	u32 off = 0, unit = st->data_unit ?: slot->len;
	int ret = 0;

	req = skcipher_request_alloc(st->skc, GFP_NOIO);
	sg = kmalloc_array(max, sizeof(*sg), GFP_NOIO);
	if (!req || !sg) {
		ret = -ENOMEM;
		goto out;
	}
	skcipher_request_set_callback(req, CRYPTO_TFM_REQ_MAY_SLEEP |
					   CRYPTO_TFM_REQ_MAY_BACKLOG,
				      crypto_req_done, &wait);
	for (off = 0; off < slot->len && !ret; off += unit) {
		u32 len = min(unit, slot->len - off);

		if (st->data_unit) {
			__le64 n;

			memcpy(&n, st->iv, sizeof(n));
			n = cpu_to_le64(le64_to_cpu(n) +
					div_u64(slot->off + off, unit));

			memset(iv, 0, sizeof(iv));
			memcpy(iv, &n, sizeof(n));
		} else {
			fsw_ctr_iv(iv, st->iv, slot->off);
		}
		fsw_slot_sg(slot, off, len, sg, max);
		skcipher_request_set_crypt(req, sg, sg, len, iv);
		ret = crypto_wait_req(st->kind == FLOWSWITCH_XFORM_ENCRYPT ?
				      crypto_skcipher_encrypt(req) :
				      crypto_skcipher_decrypt(req), &wait);
	}
out:
	kfree(sg);
	skcipher_request_free(req);
	return ret;
}

static int fsw_stage_digest(struct fsw_slot *slot, struct fsw_stage *st)
{
	u32 i, left = slot->len;
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
		} else {
			ret = fsw_stage_cipher(slot, st);
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
	slot->xform_stage = 0;
	slot->xform_complete = false;
	slot->xform_parked = false;
	slot->xform_in_flight = true;
	flow->ios_in_flight++;
	queue_work(fsw_wq, &slot->xform_work);
}

/*
 * From the flow's work: has @slot's transform finished?  A parked slot
 * that must not wait any longer (@abandoned) finishes here, with
 * -ECANCELED.  Returns true with the result in *@res.
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
		*res = -ECANCELED;
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
