# scalars.gp: a bar chart of the median of every benchmark measured without
# a parameter (parameter "-"), one group of bars per benchmark and one bar
# per target, in unit `unit` (default insn; the others can be drawn with
# -e "unit='cyc-model'"). Reads the harness CSV named by `csv` and writes
# outdir/scalars.svg and outdir/scalars.png:
#   gnuplot -e "csv='results/RUN.csv'; outdir='plots'" plots/scalars.gp
# CSV columns used: 4 target, 5 benchmark, 6 parameter, 7 unit, 10 median, 15 kernel.
# The `stats` passes read the header row too (it fails every filter), so a
# CSV without rows gives an empty figure, not a warning.
# The y axis turns logarithmic when the medians span more than 100x.

if (!exists('unit')) unit = 'insn'
# suite 'machlab': rows of microkernel targets (CSV column 15, kernel, is
# "machlab"); 'unix': rows of the other targets (the Linux baseline), written
# as outdir/unix.* (plots/unix.gp sets it).
if (!exists('suite')) suite = 'machlab'
figure = suite eq 'machlab' ? 'scalars' : 'unix'
in_suite(k) = suite eq 'machlab' ? k eq 'machlab' : k ne 'machlab' && k ne ''
span_for_log = 100
set datafile separator ','
scalar(u) = strcol(6) eq '-' && strcol(7) eq u && strcol(10) ne '' && in_suite(strcol(15))
add_word(list, w) = strstrt(list, ' '.w.' ') ? list : list.' '.w.' '

# The benchmarks and targets present, in CSV order, and the medians' range.
benchmarks = ''
targets = ''
low = 1e300
high = 0
stats csv using (scalar(unit) ? (benchmarks = add_word(benchmarks, strcol(5)), \
	targets = add_word(targets, strcol(4)), low = $10 < low ? $10 : low, \
	high = $10 > high ? $10 : high, 0) : 0) nooutput

position_from(b, i) = i > words(benchmarks) ? NaN : word(benchmarks, i) eq b ? i : position_from(b, i + 1)
bar_width = 0.8 / (words(targets) > 0 ? words(targets) : 1)
bar_x(b, j) = position_from(b, 1) - 0.4 + (j - 0.5) * bar_width

set title suite eq 'machlab' ? 'Microkernel benchmarks without a parameter (median)' \
	: 'Unix benchmarks (bench/unix) without a parameter, on the Linux baseline (median)'
set ylabel 'median ('.unit.')'
set grid ytics
set key top left
set style fill solid 0.8 border -1
set boxwidth bar_width absolute
set xrange [0.5:words(benchmarks) + 0.5]
set xtics () rotate by -20
do for [i=1:words(benchmarks)] { set xtics add (word(benchmarks, i) i) }
if (words(benchmarks) == 0) {
	set label 1 'no '.unit.' results without a parameter in '.csv at graph 0.5, 0.5 center
	set xrange [0:1]
	set yrange [0:1]
} else {
	if (low > 0 && high / low > span_for_log) {
		set logscale y
		set yrange [low / 2:high * 2]
	} else {
		set yrange [0:(high > 0 ? high * 1.1 : 1)]
	}
}
do for [term in 'svg pngcairo'] {
	set terminal term size 1000,600 noenhanced
	set output outdir.'/'.figure.'.'.(term eq 'svg' ? 'svg' : 'png')
	if (words(benchmarks) == 0) {
		plot 1/0 notitle
	} else {
		plot for [j=1:words(targets)] csv skip 1 \
			using (scalar(unit) && strcol(4) eq word(targets, j) ? bar_x(strcol(5), j) : NaN):10 \
			with boxes title word(targets, j)
	}
	unset output
}
