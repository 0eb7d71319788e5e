// SPDX-License-Identifier: MIT
/*
 * `kumem bench --json`: the rows the benchmarks write as CSV, as one JSON object. Each CSV
 * section starts with a header line "bench,<column>,..." and its rows start with the
 * section's name; every row becomes {"bench": name, "<column>": value, ...}, numbers as
 * numbers, anything else as a string. A field may be quoted ("a, b"), as RFC 4180 says;
 * the benchmarks write no quotes inside fields.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_COLUMNS 16

static void put_string(FILE *out, const char *s, size_t len)
{
	size_t i;

	fputc('"', out);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

/* A field is a JSON number if strtod takes all of it (and it is not inf/nan). */
static void put_value(FILE *out, const char *s, size_t len)
{
	char buf[64], *end;

	if (len && len < sizeof(buf)) {
		memcpy(buf, s, len);
		buf[len] = 0;
		strtod(buf, &end);
		if (*end == 0 && strspn(buf, "0123456789+-.eE") == len) {
			fputs(buf, out);
			return;
		}
	}
	put_string(out, s, len);
}

/* Split @line at commas outside quotes into at most MAX_COLUMNS fields (quotes dropped). */
static int split(const char *line, size_t len, const char **field, size_t *flen)
{
	const char *p = line, *end = line + len;
	int n = 0;

	while (n < MAX_COLUMNS) {
		const char *comma, *close;

		if (p < end && *p == '"' && (close = memchr(p + 1, '"', (size_t)(end - p - 1)))) {
			field[n] = p + 1;
			flen[n] = (size_t)(close - p - 1);
			comma = memchr(close, ',', (size_t)(end - close));
		} else {
			comma = memchr(p, ',', (size_t)(end - p));
			field[n] = p;
			flen[n] = (size_t)((comma ? comma : end) - p);
		}
		n++;
		if (!comma)
			break;
		p = comma + 1;
	}
	return n;
}

void cli_bench_json(FILE *out, const char *what, const char *csv, int err)
{
	char header[MAX_COLUMNS][40];
	const char *field[MAX_COLUMNS];
	size_t flen[MAX_COLUMNS];
	int columns = 0, rows = 0;
	const char *line = csv;

	fprintf(out, "{\"release\": \"%s\", \"bench\": ", KUMEM_VERSION_STRING);
	put_string(out, what, strlen(what));
	fprintf(out, ", \"ok\": %s, \"results\": [", err ? "false" : "true");
	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		int n = split(line, len, field, flen), i;

		if (flen[0] == 5 && !memcmp(field[0], "bench", 5)) {
			for (i = 0; i < n; i++)
				snprintf(header[i], sizeof(header[i]), "%.*s", (int)flen[i],
					 field[i]);
			columns = n;
		} else if (len && columns) {
			fputs(rows++ ? ",\n  {" : "\n  {", out);
			for (i = 0; i < n && i < columns; i++) {
				if (i)
					fputs(", ", out);
				put_string(out, header[i], strlen(header[i]));
				fputs(": ", out);
				if (i)
					put_value(out, field[i], flen[i]);
				else
					put_string(out, field[i], flen[i]);
			}
			fputc('}', out);
		}
		line = nl ? nl + 1 : NULL;
	}
	fprintf(out, "%s]}\n", rows ? "\n" : "");
}
