# script.sh — the macro_shell workload (bench/unix): an AIM-like mix of
# everyday shell work after Härtig et al., SOSP'97, run by busybox sh in a
# fresh empty directory. It builds a tree of 100 files with redirection,
# reads, searches, sorts, counts, edits, copies, moves and removes them,
# with pipelines, command substitution, a subshell, a background job and
# 50 runs of tiny. Its output is deterministic (no times, pids or sizes of
# directories): unix-bench compares it byte for byte with expected.out,
# made by running this script with the same busybox on the build host.
#
# MACHLAB_DATA names the data directory (default: the archive's).
set -eu
data=${MACHLAB_DATA:-/etc/machlab/data}
words=$data/words.txt

# 1. A tree of 4 x 25 files, written by the shell alone (redirection): a
#    header line, then word-list lines dealt round the files in turn.
mkdir src src/a src/b src/c src/d
n=0
while read -r first second num; do
	case $((n % 4)) in
	0) d=a ;;
	1) d=b ;;
	2) d=c ;;
	*) d=d ;;
	esac
	f=src/$d/f$((n / 4 % 25)).txt
	[ -e "$f" ] || echo "file $d/$((n / 4 % 25))" > "$f"
	echo "$first $second $num" >> "$f"
	n=$((n + 1))
done < "$words"
echo "tree: $(ls src | wc -l) directories, $(ls src/a src/b src/c src/d | grep -c 'txt$') files"

# 2. Read everything back, count and search it.
cat src/a/* src/b/* src/c/* src/d/* > all.txt
echo "all: $(wc -l < all.txt) lines, $(wc -w < all.txt) words, $(wc -c < all.txt) bytes"
echo "headers: $(grep -c '^file ' all.txt)"
echo "files naming a pager: $(grep -l pager src/*/*.txt | wc -l)"
echo "lines without fruit: $(grep -v -c -e apple -e banana -e cherry -e grape all.txt)"

# 3. Pipelines of three commands: the commonest words, the word set's checksum.
echo "most common first words:"
grep -v '^file ' all.txt | cut -d ' ' -f 1 | sort | uniq -c | sort -k1,1nr -k2 | head -n 5
echo "distinct words: $(tr ' ' '\n' < all.txt | grep -v '^[0-9]*$' | sort -u | wc -l)"
echo "sorted checksum: $(sort all.txt | md5sum | cut -d ' ' -f 1)"

# 4. Edit with sed, then compare the edited copy with the original.
sed -e 's/memory/MEMORY/g' -e '/^file /d' all.txt > edited.txt
echo "edited: $(grep -c MEMORY edited.txt) lines changed, $(wc -l < edited.txt) lines kept"

# 5. Copy, move and remove.
cp -r src copy
mv copy/a copy/z
for f in copy/b/f1*.txt; do
	mv "$f" "copy/b/moved.$(basename "$f")"
done
rm copy/c/f2*.txt
rm -r copy/d
echo "copy: $(ls copy | tr "\n" " ")/ $(ls copy/b | grep -c '^moved') moved / $(ls copy/c | wc -l) left in c"
cat copy/z/* copy/b/* copy/c/* | sort | md5sum | cut -d ' ' -f 1

# 6. A subshell with its own directory, and a background job waited for.
(cd src/b && cat f3.txt f4.txt f5.txt | grep -c ' ')
sort -r all.txt > reversed.txt &
tr 'a-z' 'A-Z' < all.txt > upper.txt
wait
echo "background: $(head -n 1 reversed.txt) / $(tail -n 1 upper.txt)"

# 7. Run the smallest program 50 times.
i=0
while [ $i -lt 50 ]; do
	tiny
	i=$((i + 1))
done
echo "tiny: $i runs"

# 8. Clean up the tree.
rm -r src copy
rm all.txt edited.txt reversed.txt upper.txt
echo "left: $(ls | wc -l)"
