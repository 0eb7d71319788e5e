// SPDX-License-Identifier: MIT
/*
 * pecheck: read a PE32+ image and check the properties a kernel driver must have.
 *
 *   pecheck FILE [--subsystem N] [--entry-rva HEX] [--chars HEX] [--imports a.dll,b.dll]
 *                [--unwind HEX,HEX,...] [--no-exports] [--exports a,b,...] [--relocs]
 *                [--checksum] [--no-wx]
 *
 * --subsystem    the optional header's Subsystem must equal N (1 = native)
 * --entry-rva    AddressOfEntryPoint must equal this RVA (DriverEntry's, from the symbol table)
 * --chars        every bit of this mask must be set in DllCharacteristics
 * --imports      every imported DLL must be in this comma-separated list (case-insensitive)
 * --unwind       each of these RVAs (the driver's functions) must lie inside a RUNTIME_FUNCTION
 *                of the exception directory: x64 Windows unwinds through every frame
 * --no-exports   no export table, or one that exports nothing
 * --exports      the export table names exactly these functions (an export driver's API:
 *                nothing missing, nothing more), each by name
 * --relocs       a non-empty base relocation table (a driver is always relocated)
 * --checksum     the optional header's CheckSum is the image's checksum (the loader checks
 *                it for drivers)
 * --no-wx        no section is both writable and executable
 *
 * Prints one line per violation and exits 1 if there is any, 2 if the file is not a PE32+.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static uint8_t *img;
static size_t img_len;

static uint32_t rd16(size_t off)
{
	return off + 2 <= img_len ? (uint32_t)(img[off] | img[off + 1] << 8) : 0;
}

static uint32_t rd32(size_t off)
{
	return off + 4 <= img_len ? rd16(off) | rd16(off + 2) << 16 : 0;
}

/* File offset of an RVA through the section table; 0 if it is in no section. */
static size_t rva_to_off(uint32_t rva, size_t sections, unsigned int nsect)
{
	unsigned int i;

	for (i = 0; i < nsect; i++) {
		size_t s = sections + i * 40;
		uint32_t va = rd32(s + 12), vsize = rd32(s + 8), raw = rd32(s + 20);
		uint32_t rsize = rd32(s + 16);
		uint32_t size = vsize > rsize ? vsize : rsize;

		if (rva >= va && rva < va + size)
			return raw + (rva - va);
	}
	return 0;
}

/* The PE checksum: 16-bit one's-complement-style sum of the file with the CheckSum field
 * (at @field) counted as zero, folded, plus the file's length. */
static uint32_t pe_checksum(size_t field)
{
	uint64_t sum = 0;
	size_t off;

	for (off = 0; off < img_len; off += 2) {
		uint32_t w = off + 1 < img_len ? rd16(off) : img[off];

		if (off >= field && off < field + 4)
			w = 0;
		sum += w;
		sum = (sum & 0xffff) + (sum >> 16);
	}
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint32_t)(sum + img_len);
}

/* Every RVA in the comma-separated @list must be inside some RUNTIME_FUNCTION. */
static unsigned int check_unwind(const char *path, size_t opt, size_t sections, unsigned int nsect,
				 const char *list)
{
	uint32_t rva = rd32(opt + 112 + 3 * 8), size = rd32(opt + 112 + 3 * 8 + 4);
	size_t off = rva ? rva_to_off(rva, sections, nsect) : 0;
	unsigned int problems = 0, n = 0;
	const char *p = list;

	if (!off || size < 12) {
		printf("pecheck: %s: no exception directory (.pdata)\n", path);
		return 1;
	}
	while (*p) {
		unsigned long want = strtoul(p, NULL, 16);
		uint32_t i;
		int found = 0;

		for (i = 0; i + 12 <= size && !found; i += 12)
			found = want >= rd32(off + i) && want < rd32(off + i + 4);
		if (!found) {
			printf("pecheck: %s: function at RVA 0x%lx has no unwind data\n", path,
			       want);
			problems++;
		}
		n++;
		p = strchr(p, ',');
		if (!p)
			break;
		p++;
	}
	if (!n) {
		printf("pecheck: %s: --unwind given no functions\n", path);
		problems++;
	}
	return problems;
}

static int allowed(const char *dll, const char *list)
{
	size_t n = strlen(dll);
	const char *p = list;

	while (p && *p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (len == n && !strncasecmp(p, dll, n))
			return 1;
		p = comma ? comma + 1 : NULL;
	}
	return 0;
}

/* Exported names against the comma-separated @list, both ways. */
static unsigned int check_exports(const char *path, size_t opt, size_t sections, unsigned int nsect,
				  const char *list)
{
	uint32_t rva = rd32(opt + 112);
	size_t dir = rva ? rva_to_off(rva, sections, nsect) : 0;
	unsigned int problems = 0, found = 0, wanted = 0;
	uint32_t n, i;
	size_t names;
	const char *p;

	if (!dir) {
		printf("pecheck: %s: no export table\n", path);
		return 1;
	}
	n = rd32(dir + 24); /* NumberOfNames */
	names = rva_to_off(rd32(dir + 32), sections, nsect);
	for (i = 0; i < n; i++) {
		size_t name = names ? rva_to_off(rd32(names + 4 * i), sections, nsect) : 0;
		const char *s = name && name < img_len ? (const char *)img + name : NULL;

		if (!s || !memchr(s, 0, img_len - name) || !allowed(s, list)) {
			printf("pecheck: %s: exports %s, which is not in the list\n", path,
			       s && memchr(s, 0, img_len - name) ? s : "?");
			problems++;
		} else {
			found++;
		}
	}
	for (p = list; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		wanted++;
	if (found != wanted) {
		printf("pecheck: %s: exports %u of the %u names listed\n", path, found, wanted);
		problems++;
	}
	if (rd32(dir + 20) != n) { /* NumberOfFunctions: nothing exported by ordinal only */
		printf("pecheck: %s: %u functions but %u names\n", path, rd32(dir + 20), n);
		problems++;
	}
	return problems;
}

int main(int argc, char **argv)
{
	long subsystem = -1;
	unsigned long entry = 0, chars = 0;
	const char *imports = NULL, *path = NULL, *unwind = NULL, *exports = NULL;
	int no_exports = 0, relocs = 0, checksum = 0, no_wx = 0;
	size_t pe, opt, sections, imp_off;
	unsigned int nsect, problems = 0;
	uint32_t imp_rva;
	FILE *f;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--subsystem") && i + 1 < argc)
			subsystem = strtol(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--entry-rva") && i + 1 < argc)
			entry = strtoul(argv[++i], NULL, 16);
		else if (!strcmp(argv[i], "--chars") && i + 1 < argc)
			chars = strtoul(argv[++i], NULL, 16);
		else if (!strcmp(argv[i], "--imports") && i + 1 < argc)
			imports = argv[++i];
		else if (!strcmp(argv[i], "--unwind") && i + 1 < argc)
			unwind = argv[++i];
		else if (!strcmp(argv[i], "--exports") && i + 1 < argc)
			exports = argv[++i];
		else if (!strcmp(argv[i], "--no-exports"))
			no_exports = 1;
		else if (!strcmp(argv[i], "--relocs"))
			relocs = 1;
		else if (!strcmp(argv[i], "--checksum"))
			checksum = 1;
		else if (!strcmp(argv[i], "--no-wx"))
			no_wx = 1;
		else if (argv[i][0] != '-' && !path)
			path = argv[i];
		else {
			fprintf(stderr,
				"usage: pecheck FILE [--subsystem N] [--entry-rva HEX] "
				"[--chars HEX] [--imports a.dll,b.dll] [--unwind HEX,...] "
				"[--no-exports] [--exports a,b,...] [--relocs] [--checksum] "
				"[--no-wx]\n");
			return 2;
		}
	}
	f = path ? fopen(path, "rb") : NULL;
	if (!f) {
		fprintf(stderr, "pecheck: cannot open %s\n", path ? path : "(no file)");
		return 2;
	}
	fseek(f, 0, SEEK_END);
	img_len = (size_t)ftell(f);
	rewind(f);
	img = malloc(img_len);
	if (!img || fread(img, 1, img_len, f) != img_len) {
		fprintf(stderr, "pecheck: cannot read %s\n", path);
		return 2;
	}
	fclose(f);

	pe = rd32(0x3c);
	if (rd16(0) != 0x5a4d || rd32(pe) != 0x00004550 || rd16(pe + 24) != 0x20b) {
		fprintf(stderr, "pecheck: %s is not a PE32+ image\n", path);
		return 2;
	}
	nsect = rd16(pe + 6);
	opt = pe + 24;
	sections = opt + rd16(pe + 20);

	if (subsystem >= 0 && rd16(opt + 68) != (uint32_t)subsystem) {
		printf("pecheck: %s: Subsystem is %u, want %ld\n", path, rd16(opt + 68), subsystem);
		problems++;
	}
	if (entry && rd32(opt + 16) != entry) {
		printf("pecheck: %s: entry point RVA 0x%x, want 0x%lx\n", path, rd32(opt + 16),
		       entry);
		problems++;
	}
	if ((rd16(opt + 70) & chars) != chars) {
		printf("pecheck: %s: DllCharacteristics 0x%04x lacks 0x%04lx\n", path,
		       rd16(opt + 70), chars & ~(unsigned long)rd16(opt + 70));
		problems++;
	}
	/* data directory 1: the import table; each descriptor is 20 bytes, name RVA at +12 */
	imp_rva = rd32(opt + 112 + 8);
	imp_off = imp_rva ? rva_to_off(imp_rva, sections, nsect) : 0;
	for (; imports && imp_off && rd32(imp_off + 12); imp_off += 20) {
		size_t name = rva_to_off(rd32(imp_off + 12), sections, nsect);
		const char *dll = name && name < img_len ? (const char *)img + name : "?";

		if (!memchr(dll, 0, img_len - name) || !allowed(dll, imports)) {
			printf("pecheck: %s: imports %s, which is not allowed\n", path, dll);
			problems++;
		}
	}
	if (imports && imp_rva && !imp_off) {
		printf("pecheck: %s: import table outside every section\n", path);
		problems++;
	}
	if (unwind)
		problems += check_unwind(path, opt, sections, nsect, unwind);
	if (no_exports) {
		uint32_t rva = rd32(opt + 112),
			 off = rva ? (uint32_t)rva_to_off(rva, sections, nsect) : 0;

		if (rva && (!off || rd32(off + 20) || rd32(off + 24))) {
			printf("pecheck: %s: exports %u functions, want none\n", path,
			       off ? rd32(off + 20) : 0);
			problems++;
		}
	}
	if (exports)
		problems += check_exports(path, opt, sections, nsect, exports);
	if (relocs && (!rd32(opt + 112 + 5 * 8) || rd32(opt + 112 + 5 * 8 + 4) < 8)) {
		printf("pecheck: %s: no base relocations\n", path);
		problems++;
	}
	if (checksum && pe_checksum(opt + 64) != rd32(opt + 64)) {
		printf("pecheck: %s: CheckSum 0x%08x, the image sums to 0x%08x\n", path,
		       rd32(opt + 64), pe_checksum(opt + 64));
		problems++;
	}
	for (i = 0; no_wx && i < (int)nsect; i++) {
		uint32_t c = rd32(sections + (size_t)i * 40 + 36);

		if ((c & 0x80000000u) && (c & 0x20000000u)) {
			printf("pecheck: %s: section %.8s is writable and executable\n", path,
			       (const char *)img + sections + (size_t)i * 40);
			problems++;
		}
	}
	free(img);
	return problems ? 1 : 0;
}
