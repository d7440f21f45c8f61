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

/* Rule 1: a loadable module that registered a device driver. */
static void classify_module(const char *root, struct fsw_crypto_engine *e)
{
	const char *mod = e->alg.module;
	char dir[PATH_MAX], dev[NAME_MAX + 1];
	struct dirent *de;
	bool found = false;
	DIR *d;

	e->class = FLANG_ENGINE_SW;
	snprintf(e->why, sizeof(e->why), "module %.63s drives no device", mod);
	if (snprintf(dir, sizeof(dir), "%s/sys/module/%s/drivers", root, mod) >=
	    (int)sizeof(dir))
		return;
	d = opendir(dir);
	if (!d)
		return;
	/* Each entry is "BUS:DRIVER", a link to that driver's directory. */
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
		e->class = FLANG_ENGINE_HW;
		snprintf(e->why, sizeof(e->why),
			 "module %.40s drives %.24s device %.64s", mod, bus,
			 dev);
		found = true;
	}
	closedir(d);
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

void fsw_crypto_classify(const char *root, struct fsw_crypto_engine *e)
{
	if (e->alg.module[0] && strcmp(e->alg.module, "kernel"))
		classify_module(root, e);
	else
		classify_builtin(root, e);
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
	free(text);
	if (n > max)
		n = max;
	for (i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out[i].alg = a[i];
		fsw_crypto_classify(root, &out[i]);
	}
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
