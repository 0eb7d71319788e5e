#!/bin/sh
# Every import of a driver image must be in windows/exports/<dll>.txt with a version no later
# than the one kumem claims, so a routine Windows 8 does not export fails the build, not the
# load on a user's machine (where a missing import stops the driver with an error at best).
# usage: check-imports.sh IMAGE EXPORTS-DIR [MAX-VERSION]   (default 6.2, Windows 8)
set -u
image=$1
dir=$2
max=${3:-6.2}
x86_64-w64-mingw32-objdump -p "$image" | awk -v image="$image" -v dir="$dir" -v max="$max" '
	function vnum(v,  a) { split(v, a, "."); return a[1] * 100 + a[2] }
	/DLL Name:/ { dll = tolower($3); next }
	dll != "" && NF >= 3 && $1 ~ /^[0-9a-f]+$/ && $2 ~ /^[0-9]+$/ {
		file = dir "/" dll ".txt"
		if (!(file in loaded)) {
			loaded[file] = 1
			while ((getline line < file) > 0) {
				if (line ~ /^#/ || line !~ /[^ \t]/)
					continue
				split(line, f, /[ \t]+/)
				ver[dll, f[1]] = f[2]
			}
			close(file)
		}
		name = $3
		if (!((dll, name) in ver)) {
			printf "%s imports %s!%s, which %s does not list\n", image, dll, name, file
			bad++
		} else if (vnum(ver[dll, name]) > vnum(max)) {
			printf "%s!%s needs Windows NT %s, kumem claims %s\n", dll, name, ver[dll, name], max
			bad++
		}
		n++
	}
	/^$/ && dll != "" { dll = "" }
	END {
		if (!n) { print "no imports found"; exit 1 }
		if (bad)
			exit 1
		printf "%d imports, all exported by Windows NT %s and later\n", n, max
	}'
