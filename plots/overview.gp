# overview.gp: every kernel variant against default. For each benchmark
# measured without a parameter (parameter "-", unit insn) and each target
# other than default, the ratio of its median to default's median of the
# same benchmark in the same CSV: a bar chart on a log y axis, one group of
# bars per benchmark and one bar per non-default target, its ratio written
# above it, with a line at 1.0 (as fast as default; below is faster).
# Benchmarks default has no row for, or no other target has, are left out;
# with a single target the figure is empty. Reads the harness CSV named by
# `csv` and writes outdir/overview.svg and outdir/overview.png:
#   gnuplot -e "csv='results/RUN.csv'; outdir='plots'" plots/overview.gp
# CSV columns used: 4 target, 5 benchmark, 6 parameter, 7 unit, 10 median.
# The `stats` passes read the header row too (it fails every filter), so a
# CSV without rows gives an empty figure, not a warning.
# The first pass keeps default's medians in the string `baselines`, as
# words "benchmark=median"; the others look them up there.

reference = 'default'
set datafile separator ','
# log axis: medians of 0 give no ratio, so they are left out
scalar(b) = strcol(6) eq '-' && strcol(7) eq 'insn' && strcol(10) ne '' && column(10) > 0
add_word(list, w) = strstrt(list, ' '.w.' ') ? list : list.' '.w.' '

# default's medians, and every target with a row.
baselines = ' '
all_targets = ''
stats csv using (scalar(strcol(5)) ? (all_targets = add_word(all_targets, strcol(4)), \
	baselines = strcol(4) eq reference && strstrt(baselines, ' '.strcol(5).'=') == 0 \
		? baselines.strcol(5).'='.strcol(10).' ' : baselines, 0) : 0) nooutput
# The median of default for benchmark b, or NaN when default has no row.
baseline_from(b, at) = at == 0 ? NaN : 0 + substr(baselines, at + strlen(b) + 2, \
	at + strlen(b) + 1 + strstrt(baselines[at + strlen(b) + 2:], ' ') - 1)
baseline(b) = baseline_from(b, strstrt(baselines, ' '.b.'='))
rated(b) = scalar(b) && strcol(4) ne reference && baseline(b) > 0
ratio(b) = $10 / baseline(b)

# The benchmarks and targets with a ratio, in CSV order, and the ratios' range.
benchmarks = ''
targets = ''
low = 1
high = 1
stats csv using (rated(strcol(5)) ? (benchmarks = add_word(benchmarks, strcol(5)), \
	targets = add_word(targets, strcol(4)), low = ratio(strcol(5)) < low ? ratio(strcol(5)) : low, \
	high = ratio(strcol(5)) > high ? ratio(strcol(5)) : high, 0) : 0) nooutput

position_from(b, i) = i > words(benchmarks) ? NaN : word(benchmarks, i) eq b ? i : position_from(b, i + 1)
# A target's colour is that of its position among all targets, default's
# included, as in the figures that draw default too.
colour_from(t, i) = i > words(all_targets) ? 1 : word(all_targets, i) eq t ? i : colour_from(t, i + 1)
bar_width = 0.8 / (words(targets) > 0 ? words(targets) : 1)
bar_x(b, j) = position_from(b, 1) - 0.4 + (j - 0.5) * bar_width
# A ratio's label starts just above its bar, or above the line at 1.0 when
# the bar ends just below the line (which would cross the label).
label_y(r) = (r < 1 && r > 0.85 ? 1 : r) * 1.06

set title 'Every variant against default: median / median of default (benchmarks without a parameter, insn)'
set ylabel 'median / median of '.reference.' (log)'
set grid ytics
set key top left
set style fill solid 0.8 border -1
set boxwidth bar_width absolute
set xrange [0.5:words(benchmarks) + 0.5]
set xtics () rotate by -20
do for [i=1:words(benchmarks)] { set xtics add (word(benchmarks, i) i) }
if (words(benchmarks) == 0) {
	set label 1 (words(all_targets) == 0 ? 'no insn results without a parameter in '.csv \
		: words(all_targets) == 1 ? 'only one target ('.word(all_targets, 1).') in '.csv.': nothing to compare' \
		: strstrt(all_targets, ' '.reference.' ') == 0 ? 'no '.reference.' results to compare with in '.csv \
		: 'no benchmark of '.reference.' measured by another target in '.csv) at graph 0.5, 0.5 center
	set xrange [0:1]
	set yrange [0:1]
} else {
	set logscale y
	set yrange [low / 1.5:high * 3]
	set ytics (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
	set format y '%g'
	set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead linewidth 2 dashtype 2 front
}
do for [term in 'svg pngcairo'] {
	set terminal term size 1000,600 noenhanced
	set output outdir.'/overview.'.(term eq 'svg' ? 'svg' : 'png')
	if (words(benchmarks) == 0) {
		plot 1/0 notitle
	} else {
		plot for [j=1:words(targets)] csv skip 1 \
			using (rated(strcol(5)) && strcol(4) eq word(targets, j) ? bar_x(strcol(5), j) : NaN) \
			:(ratio(strcol(5))) with boxes linetype colour_from(word(targets, j), 1) \
			title word(targets, j), \
			for [j=1:words(targets)] csv skip 1 \
			using (rated(strcol(5)) && strcol(4) eq word(targets, j) ? bar_x(strcol(5), j) : NaN) \
			:(label_y(ratio(strcol(5)))):(sprintf('%.3g', ratio(strcol(5)))) \
			with labels rotate by 90 left font ',9' notitle
	}
	unset output
}
