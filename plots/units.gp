# units.gp: the microkernel against Linux in both units. For each Unix
# benchmark (bench/unix) measured without a parameter and each shown target
# (default: its Unix server a user task; unix-colocated: in the kernel), the
# ratio of its median to Linux's median of the same benchmark, in insn (TCG
# icount) and in cyc-model (the cost model, same samples), side by side: a
# bar chart on a log y axis with a line at 1.0 (as fast as Linux), each
# ratio written above its bar. Where the cyc-model bar is taller than the
# insn one, what instruction counts cannot see (traps, TLB and cache
# refills after address-space switches) costs the microkernel more than
# Linux. Reads the harness CSV named by `csv` and writes outdir/units.svg
# and outdir/units.png:
#   gnuplot -e "csv='results/RUN.csv'; outdir='plots'" plots/units.gp
# CSV columns used: 4 target, 5 benchmark, 6 parameter, 7 unit, 10 median.
# The `stats` passes read the header row too (it fails every filter), so a
# CSV without rows gives an empty figure, not a warning.

reference = 'linux'
shown = ' default unix-colocated '
units = ' insn cyc-model '
set datafile separator ','
measured(u) = strcol(6) eq '-' && strstrt(units, ' '.u.' ') && strcol(10) ne '' && column(10) > 0
add_word(list, w) = strstrt(list, ' '.w.' ') ? list : list.' '.w.' '

# Linux's medians, as words "benchmark/unit=median".
baselines = ' '
stats csv using (measured(strcol(7)) && strcol(4) eq reference ? \
	(baselines = baselines.strcol(5).'/'.strcol(7).'='.strcol(10).' ', 0) : 0) nooutput
baseline_from(k, at) = at == 0 ? NaN : 0 + substr(baselines, at + strlen(k) + 2, \
	at + strlen(k) + 1 + strstrt(baselines[at + strlen(k) + 2:], ' ') - 1)
baseline(b, u) = baseline_from(b.'/'.u, strstrt(baselines, ' '.b.'/'.u.'='))
rated(b, u) = measured(u) && strstrt(shown, ' '.strcol(4).' ') && baseline(b, u) > 0
ratio(b, u) = $10 / baseline(b, u)

# The benchmarks and targets with a ratio, in CSV order, and the ratios' range.
benchmarks = ''
targets = ''
low = 1
high = 1
stats csv using (rated(strcol(5), strcol(7)) ? (benchmarks = add_word(benchmarks, strcol(5)), \
	targets = add_word(targets, strcol(4)), \
	low = ratio(strcol(5), strcol(7)) < low ? ratio(strcol(5), strcol(7)) : low, \
	high = ratio(strcol(5), strcol(7)) > high ? ratio(strcol(5), strcol(7)) : high, 0) : 0) nooutput

position_from(b, i) = i > words(benchmarks) ? NaN : word(benchmarks, i) eq b ? i : position_from(b, i + 1)
bars = 2 * (words(targets) > 0 ? words(targets) : 1)
bar_width = 0.8 / bars
# target j's unit u (1: insn, 2: cyc-model) bar
bar_x(b, j, u) = position_from(b, 1) - 0.4 + (2 * (j - 1) + u - 0.5) * bar_width
label_y(r) = (r < 1 && r > 0.85 ? 1 : r) * 1.06

set title 'The microkernel over Linux, per Unix benchmark: in insn and in cyc-model (median / Linux median, same run)'
set ylabel 'median / median of '.reference.' (log)'
set grid ytics
set key top left
set style fill solid 0.8 border -1
set boxwidth bar_width absolute
set xrange [0.5:words(benchmarks) + 0.5]
set xtics () rotate by -20
do for [i=1:words(benchmarks)] { set xtics add (word(benchmarks, i) i) }
if (words(benchmarks) == 0) {
	set label 1 'no Unix benchmark measured both on '.reference.' and on'.shown.'in '.csv \
		at graph 0.5, 0.5 center
	set xrange [0:1]
	set yrange [0:1]
} else {
	set logscale y
	set yrange [low / 1.5:high * 3]
	set ytics (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100)
	set format y '%g'
	set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead linewidth 2 dashtype 2 front
}
do for [term in 'svg pngcairo'] {
	set terminal term size 1200,600 noenhanced
	set output outdir.'/units.'.(term eq 'svg' ? 'svg' : 'png')
	if (words(benchmarks) == 0) {
		plot 1/0 notitle
	} else {
		plot for [j=1:words(targets)] for [u=1:2] csv skip 1 \
			using (rated(strcol(5), strcol(7)) && strcol(4) eq word(targets, j) && \
			       strcol(7) eq word(units, u) ? bar_x(strcol(5), j, u) : NaN) \
			:(ratio(strcol(5), strcol(7))) with boxes linetype 2 * (j - 1) + u \
			title word(targets, j).' ('.word(units, u).')', \
			for [j=1:words(targets)] for [u=1:2] csv skip 1 \
			using (rated(strcol(5), strcol(7)) && strcol(4) eq word(targets, j) && \
			       strcol(7) eq word(units, u) ? bar_x(strcol(5), j, u) : NaN) \
			:(label_y(ratio(strcol(5), strcol(7)))):(sprintf('%.2g', ratio(strcol(5), strcol(7)))) \
			with labels rotate by 90 left font ',8' notitle
	}
	unset output
}
