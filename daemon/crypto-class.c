// SPDX-License-Identifier: GPL-2.0
/*
 * Engine classes of crypto drivers, from /proc/crypto and sysfs: see
 * crypto-class.h for the rules and why they are what they are.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto-class.h"

const char *fsw_crypto_class_name(enum flang_engine_class c)
{
	return c == FLANG_ENGINE_HW ? "hw" : "sw";
}

/*
 * The first device @bus's driver @drv drives, into @dev: true if any.
 * A driver's directory holds a link per bound device, beside the files
 * bind, unbind, uevent and new_id and the link "module".
 */
static bool first_device(const char *root, const char *bus, const char *drv,
			 char *dev, size_t len)
{
	char dir[PATH_MAX], path[PATH_MAX], target[PATH_MAX];
	struct dirent *de;
	bool found = false;
	DIR *d;

	if (snprintf(dir, sizeof(dir), "%s/sys/bus/%s/drivers/%s", root, bus,
		     drv) >= (int)sizeof(dir))
		return false;
	d = opendir(dir);
	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		ssize_t n;

		if (de->d_name[0] == '.' || !strcmp(de->d_name, "module"))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >=
		    (int)sizeof(path))
			continue;
		n = readlink(path, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = 0;
		if (!strstr(target, "/devices/"))
			continue;
		snprintf(dev, len, "%.*s", (int)(len - 1), de->d_name);
		found = true;
	}
	closedir(d);
	return found;
}

/*
 * A device that one of module @mod's device drivers drives: true, with
 * "BUS device DEV" in @what.  /sys/module/M/drivers/ holds "BUS:DRIVER"
 * links to each driver's directory.
 */
static bool module_device(const char *root, const char *mod, char *what,
			  size_t len)
{
	char dir[PATH_MAX], dev[NAME_MAX + 1];
	struct dirent *de;
	bool found = false;
	DIR *d;

	if (snprintf(dir, sizeof(dir), "%s/sys/module/%s/drivers", root, mod) >=
	    (int)sizeof(dir))
		return false;
	d = opendir(dir);
	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		char *colon, bus[NAME_MAX + 1];

		if (de->d_name[0] == '.')
			continue;
		snprintf(bus, sizeof(bus), "%s", de->d_name);
		colon = strchr(bus, ':');
		if (!colon)
			continue;
		*colon = 0;
		if (!first_device(root, bus, colon + 1, dev, sizeof(dev)))
			continue;
		found = snprintf(what, len, "%.24s device %.64s", bus, dev) >=
			0;
	}
	closedir(d);
	return found;
}

/*
 * A module that drives a device and that uses @mod (@uses false: those
 * in /sys/module/M/holders/) or that @mod uses (@uses true: each X with
 * /sys/module/X/holders/M): true, with its name in @who and the device
 * in @what.
 */
static bool related_device(const char *root, const char *mod, bool uses,
			   char *who, size_t wlen, char *what, size_t len)
{
	char dir[PATH_MAX], holder[PATH_MAX];
	struct dirent *de;
	struct stat st;
	bool found = false;
	DIR *d;

	if (snprintf(dir, sizeof(dir),
		     uses ? "%s/sys/module" : "%s/sys/module/%s/holders", root,
		     mod) >= (int)sizeof(dir))
		return false;
	d = opendir(dir);
	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, mod))
			continue;
		if (uses &&
		    (snprintf(holder, sizeof(holder), "%s/%s/holders/%s", dir,
			      de->d_name, mod) >= (int)sizeof(holder) ||
		     lstat(holder, &st)))
			continue;
		if (!module_device(root, de->d_name, what, len))
			continue;
		snprintf(who, wlen, "%s", de->d_name);
		found = true;
	}
	closedir(d);
	return found;
}

/*
 * Rule 1: a loadable module that drives a device, or is one part of a
 * device's driver with a module that does: QAT registers its algorithms
 * from intel_qat, which qat_4xxx (its PCI driver) uses; CCP from
 * ccp_crypto, which uses ccp (its PCI driver).
 */
static void classify_module(const char *root, struct fsw_crypto_engine *e)
{
	const char *mod = e->alg.module;
	char what[96], who[NAME_MAX + 1];

	e->class = FLANG_ENGINE_HW;
	if (module_device(root, mod, what, sizeof(what))) {
		snprintf(e->why, sizeof(e->why), "module %.40s drives %.90s",
			 mod, what);
		return;
	}
	if (related_device(root, mod, false, who, sizeof(who), what,
			   sizeof(what))) {
		snprintf(e->why, sizeof(e->why),
			 "module %.32s, used by %.32s, which drives %.80s", mod,
			 who, what);
		return;
	}
	if (related_device(root, mod, true, who, sizeof(who), what,
			   sizeof(what))) {
		snprintf(e->why, sizeof(e->why),
			 "module %.32s, which uses %.32s, which drives %.80s",
			 mod, who, what);
		return;
	}
	e->class = FLANG_ENGINE_SW;
	snprintf(e->why, sizeof(e->why), "module %.63s drives no device", mod);
}

/* Rule 2: built in; a bound device driver whose name begins the driver's. */
static void classify_builtin(const char *root, struct fsw_crypto_engine *e)
{
	const char *name = e->alg.driver;
	char dir[PATH_MAX], dev[NAME_MAX + 1], best[192] = "";
	size_t best_len = 0;
	struct dirent *bus, *drv;
	DIR *buses, *drivers;

	e->class = FLANG_ENGINE_SW;
	snprintf(e->why, sizeof(e->why),
		 "built in, and no device driver by its name drives a device");
	if (snprintf(dir, sizeof(dir), "%s/sys/bus", root) >= (int)sizeof(dir))
		return;
	buses = opendir(dir);
	if (!buses)
		return;
	while ((bus = readdir(buses))) {
		if (bus->d_name[0] == '.')
			continue;
		if (snprintf(dir, sizeof(dir), "%s/sys/bus/%s/drivers", root,
			     bus->d_name) >= (int)sizeof(dir))
			continue;
		drivers = opendir(dir);
		if (!drivers)
			continue;
		while ((drv = readdir(drivers))) {
			size_t len = strlen(drv->d_name);

			if (drv->d_name[0] == '.' || len <= best_len ||
			    strncmp(name, drv->d_name, len) ||
			    (name[len] != '_' && name[len] != '-'))
				continue;
			if (!first_device(root, bus->d_name, drv->d_name, dev,
					  sizeof(dev)))
				continue;
			best_len = len;
			snprintf(best, sizeof(best),
				 "%.24s driver %.60s drives %.64s", bus->d_name,
				 drv->d_name, dev);
		}
		closedir(drivers);
	}
	closedir(buses);
	if (!best_len)
		return;
	e->class = FLANG_ENGINE_HW;
	snprintf(e->why, sizeof(e->why), "built in; by its name, %.160s", best);
}

/* The module of driver @driver in /proc/crypto's @text: true if listed. */
static bool module_of(const char *text, const char *driver, char *mod,
		      size_t len)
{
	const char *p = text;
	bool in_entry = false;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		const char *colon = memchr(p, ':', n);

		if (!n) {
			in_entry = false; /* a blank line ends an entry */
		} else if (colon && !strncmp(p, "driver", 6)) {
			const char *v = colon + 1;

			while (*v == ' ')
				v++;
			in_entry = (size_t)(p + n - v) == strlen(driver) &&
				   !strncmp(v, driver, strlen(driver));
		} else if (in_entry && colon && !strncmp(p, "module", 6)) {
			const char *v = colon + 1;

			while (*v == ' ')
				v++;
			snprintf(mod, len, "%.*s", (int)(p + n - v), v);
			return true;
		}
		p = nl ? nl + 1 : NULL;
	}
	return false;
}

static void classify(const char *root, const char *text,
		     struct fsw_crypto_engine *e, int depth);

/*
 * Rule 0: a template's instance ("xts(ecb-aes-foo)", "authenc(hmac(
 * sha256-generic),cbc-aes-aesni)") runs on the drivers it is built on:
 * hw if one of those is.  Returns false if none of its parts is a driver
 * /proc/crypto lists.
 */
static bool classify_instance(const char *root, const char *text,
			      struct fsw_crypto_engine *e, int depth)
{
	char name[FLOWSWITCH_ALG_LEN], *tok, *save = NULL;
	struct fsw_crypto_engine part;
	bool any = false;

	snprintf(name, sizeof(name), "%s", e->alg.driver);
	for (tok = strtok_r(name, "(),", &save); tok;
	     tok = strtok_r(NULL, "(),", &save)) {
		memset(&part, 0, sizeof(part));
		snprintf(part.alg.driver, sizeof(part.alg.driver), "%s", tok);
		if (!module_of(text, tok, part.alg.module,
			       sizeof(part.alg.module)))
			continue; /* a template's name: "xts", "hmac" */
		classify(root, text, &part, depth + 1);
		if (!any || part.class == FLANG_ENGINE_HW) {
			e->class = part.class;
			snprintf(e->why, sizeof(e->why),
				 "on %.40s (%s: %.120s)", tok,
				 fsw_crypto_class_name(part.class), part.why);
		}
		any = true;
		if (part.class == FLANG_ENGINE_HW)
			break;
	}
	return any;
}

static void classify(const char *root, const char *text,
		     struct fsw_crypto_engine *e, int depth)
{
	if (depth < 4 && text && strchr(e->alg.driver, '(') &&
	    classify_instance(root, text, e, depth))
		return;
	if (e->alg.module[0] && strcmp(e->alg.module, "kernel"))
		classify_module(root, e);
	else
		classify_builtin(root, e);
}

void fsw_crypto_classify(const char *root, const char *text,
			 struct fsw_crypto_engine *e)
{
	classify(root, text, e, 0);
}

/* @root's /proc/crypto as one string (the caller frees it), or NULL. */
static char *read_proc_crypto(const char *root)
{
	char path[PATH_MAX], *buf;
	struct stat st;
	ssize_t n;
	int fd;

	if (!root[0])
		return uxform_proc_crypto();
	if (snprintf(path, sizeof(path), "%s/proc/crypto", root) >=
	    (int)sizeof(path))
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	buf = fstat(fd, &st) ? NULL : malloc((size_t)st.st_size + 1);
	n = buf ? read(fd, buf, (size_t)st.st_size) : -1;
	close(fd);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	buf[n] = 0;
	return buf;
}

/* AF_ALG's name for the family of a stage of @kind, if it has one. */
static const char *alg_type(uint32_t kind)
{
	switch (kind) {
	case FLOWSWITCH_XFORM_DIGEST:
		return "hash";
	case FLOWSWITCH_XFORM_SEAL:
	case FLOWSWITCH_XFORM_OPEN:
		return "aead";
	case FLOWSWITCH_XFORM_ENCRYPT:
	case FLOWSWITCH_XFORM_DECRYPT:
		return "skcipher";
	}
	return NULL; /* compression: AF_ALG has none */
}

int fsw_crypto_engines(const char *root, const char *alg, uint32_t kind,
		       struct fsw_crypto_engine *out, int max)
{
	struct uxform_alg a[16];
	const char *type = alg_type(kind);
	char *text;
	int n, i, fd;

	if (max > 16)
		max = 16;
	/* A template ("xts(aes)") is listed once something instantiated it. */
	if (!root[0] && type) {
		fd = uxform_alg_bind(alg, type);
		if (fd >= 0)
			close(fd);
	}
	text = read_proc_crypto(root);
	n = text ? uxform_crypto_list(text, alg, kind, a, max) : 0;
	if (n > max)
		n = max;
	for (i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out[i].alg = a[i];
		fsw_crypto_classify(root, text, &out[i]);
	}
	free(text);
	return n;
}

int fsw_crypto_pick_class(const struct fsw_crypto_engine *e, int n,
			  enum flang_engine_class want)
{
	int i;

	for (i = 0; i < n; i++)
		if (e[i].class == want)
			return i;
	return -1;
}
