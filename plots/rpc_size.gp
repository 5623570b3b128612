# rpc_size.gp: the RPC round trip (median, insn) against message size, on
# log-log axes, one curve per (benchmark, target), for rpc_inline, ool_write_all and
# ool_transfer (unit `unit`, default insn). Reads the harness CSV named by `csv` and writes
# outdir/rpc_size.svg and outdir/rpc_size.png:
#   gnuplot -e "csv='results/RUN.csv'; outdir='plots'" plots/rpc_size.gp
# CSV columns used: 4 target, 5 benchmark, 6 parameter, 7 unit, 10 median.
# The `stats` passes read the header row too (it fails every filter), so a
# CSV without rows gives an empty figure, not a warning.
# The CSV interleaves targets, so each curve's rows are first copied into
# its own data set of $curves (filtering with NaN would break the lines).

benchmarks = 'rpc_inline ool_transfer ool_write_all'
if (!exists('unit')) unit = 'insn'
set datafile separator ','
# log axes: sizes and medians of 0 cannot be drawn, so they are left out
measured(b) = strstrt(' '.benchmarks.' ', ' '.b.' ') > 0 && strcol(7) eq unit \
	&& strcol(6) ne '-' && strcol(10) ne '' && column(6) > 0 && column(10) > 0
on_curve(b, t) = strcol(5) eq b && strcol(4) eq t && measured(b)

# Every target with a point, in CSV (command-line) order.
targets = ''
stats csv using (measured(strcol(5)) && strstrt(targets, ' '.strcol(4).' ') == 0 \
	? (targets = targets.' '.strcol(4).' ', 0) : 0) nooutput

# One data set per non-empty curve; labels names them in order.
labels = ''
do for [b in benchmarks] {
	do for [t in targets] {
		points = 0
		stats csv using (points = points + on_curve(b, t), 0) nooutput
		if (points > 0) {
			labels = labels.' '.b.'/'.t
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

set datafile separator whitespace
set title 'RPC round trip against message size (median)'
set xlabel 'message size (bytes)'
set ylabel 'round trip ('.unit.')'
set logscale xy
set grid
set key top left
set termoption noenhanced
if (words(labels) == 0) {
	set label 1 'no '.benchmarks.' results in '.csv at graph 0.5, 0.5 center
	set xrange [1:1048576]
	set yrange [1:1e6]
}
do for [term in 'svg pngcairo'] {
	set terminal term size 1000,600 noenhanced
	set output outdir.'/rpc_size.'.(term eq 'svg' ? 'svg' : 'png')
	if (words(labels) == 0) {
		plot 1/0 notitle
	} else {
		plot for [i=1:words(labels)] $curves index (i - 1) using 1:2 \
			with linespoints title word(labels, i)
	}
	unset output
}
