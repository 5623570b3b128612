# ool_size.gp: out-of-line transfer, copy-on-write against copying, against
# size: the median (insn) of ool_transfer (the region sent, not touched) and
# ool_write_all (the region sent, then every page written) against the
# region's size in bytes (parameter), on log-log axes, one curve per
# (benchmark, target). Only targets default (MSG=cow) and msg-copy
# (MSG=copy) are drawn, those of them present; when neither is, every
# target present is. A target keeps its colour, a benchmark its point and
# dash type. Reads the harness CSV named by `csv` and writes
# outdir/ool_size.svg and outdir/ool_size.png:
#   gnuplot -e "csv='results/RUN.csv'; outdir='plots'" plots/ool_size.gp
# CSV columns used: 4 target, 5 benchmark, 6 parameter, 7 unit, 10 median.
# The `stats` passes read the header row too (it fails every filter), so a
# CSV without rows gives an empty figure, not a warning.
# The CSV interleaves targets, so each curve's rows are first copied into
# its own data set of $curves (filtering with NaN would break the lines).

benchmarks = 'ool_transfer ool_write_all'
compared = 'default msg-copy'
set datafile separator ','
# log axes: sizes and medians of 0 cannot be drawn, so they are left out
measured(b) = strstrt(' '.benchmarks.' ', ' '.b.' ') > 0 && strcol(7) eq 'insn' \
	&& strcol(6) ne '-' && strcol(10) ne '' && column(6) > 0 && column(10) > 0
on_curve(b, t) = strcol(5) eq b && strcol(4) eq t && measured(b)

# Every target with a point, in CSV (command-line) order, and the ranges
# of sizes and medians; then the targets drawn.
present = ''
size_low = 1e300
size_high = 0
low = 1e300
high = 0
stats csv using (measured(strcol(5)) ? ( \
	present = strstrt(present, ' '.strcol(4).' ') ? present : present.' '.strcol(4).' ', \
	size_low = $6 < size_low ? $6 : size_low, size_high = $6 > size_high ? $6 : size_high, \
	low = $10 < low ? $10 : low, high = $10 > high ? $10 : high, 0) : 0) nooutput
targets = ''
do for [t in compared] {
	if (strstrt(present, ' '.t.' ')) { targets = targets.' '.t }
}
if (words(targets) == 0) { targets = present }
position_from(w, list, i) = i > words(list) ? 0 : word(list, i) eq w ? i : position_from(w, list, i + 1)
kind(t) = t eq 'default' ? ' (cow)' : t eq 'msg-copy' ? ' (copy)' : ''

# One data set per non-empty curve; curve_benchmarks and curve_targets
# name them in order, colours and styles give the positions of their
# target (among all present, as the other figures colour targets) and
# benchmark.
curve_benchmarks = ''
curve_targets = ''
colours = ''
styles = ''
do for [b in benchmarks] {
	do for [t in targets] {
		points = 0
		stats csv using (points = points + on_curve(b, t), 0) nooutput
		if (points > 0) {
			curve_benchmarks = curve_benchmarks.' '.b
			curve_targets = curve_targets.' '.t
			colours = colours.' '.position_from(t, present, 1)
			styles = styles.' '.position_from(b, benchmarks, 1)
			set table $curves append
			plot csv skip 1 using (strcol(6)):(strcol(10)) with table if (on_curve(b, t))
			unset table
			set print $curves append
			print ''
			print ''
			unset print
		}
	}
}
curve_title(i) = word(curve_benchmarks, i).'/'.word(curve_targets, i).kind(word(curve_targets, i))

# Size tics at powers of two, named in B, KiB, MiB or GiB, at most about
# a dozen of them.
size_name(e) = e < 10 ? sprintf('%d B', 2**e) : e < 20 ? sprintf('%d KiB', 2**(e - 10)) \
	: e < 30 ? sprintf('%d MiB', 2**(e - 20)) : sprintf('%d GiB', 2**(e - 30))
size_step = size_high > 0 ? ceil(log(size_high * 3 / size_low) / log(2) / 12) : 2
size_step = size_step < 1 ? 1 : size_step

set datafile separator whitespace
set title 'Out-of-line transfer against size, MSG=cow (default) vs MSG=copy (msg-copy): median'
set xlabel 'region size (bytes)'
set ylabel 'median (insn)'
set logscale xy
set xtics ()
do for [e=0:62:size_step] { set xtics add (size_name(e) 2**e) }
set mxtics 1
set grid
set key top left
set termoption noenhanced
if (words(styles) == 0) {
	set label 1 'no '.benchmarks.' results in '.csv at graph 0.5, 0.5 center
	set xrange [4096:16777216]
	set yrange [1000:1e6]
} else {
	set xrange [size_low / 1.5:size_high * 1.5]
	# autoscaled, unless every median is the same (an empty range)
	if (high <= low * 1.01) { set yrange [low / 3:high * 3] }
}
do for [term in 'svg pngcairo'] {
	set terminal term size 1000,600 noenhanced
	set output outdir.'/ool_size.'.(term eq 'svg' ? 'svg' : 'png')
	if (words(styles) == 0) {
		plot 1/0 notitle
	} else {
		plot for [i=1:words(styles)] $curves index (i - 1) using 1:2 \
			with linespoints linecolor 0 + word(colours, i) \
			dashtype 0 + word(styles, i) pointtype 2 * word(styles, i) + 5 \
			title curve_title(i)
	}
	unset output
}
