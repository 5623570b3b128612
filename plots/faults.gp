# faults.gp: the cost of a page fault by kind and kernel variant, a bar
# chart of medians (insn) on a log y axis: one group of bars per fault
# benchmark (zero_fill_fault, cow_fault, default_pager_fault, pager_fault,
# parameter "-"), then pt_refill at K=512 (a hardware page-table refill,
# parameter 512) as the group "hw_refill (K=512)"; one bar per target,
# its median written above it.
# Groups without rows are left out. Reads the harness CSV named by `csv`
# and writes outdir/faults.svg and outdir/faults.png:
#   gnuplot -e "csv='results/RUN.csv'; outdir='plots'" plots/faults.gp
# CSV columns used: 4 target, 5 benchmark, 6 parameter, 7 unit, 10 median.
# The `stats` passes read the header row too (it fails every filter), so a
# CSV without rows gives an empty figure, not a warning.

fault_benchmarks = 'zero_fill_fault cow_fault default_pager_fault pager_fault'
refill_benchmark = 'pt_refill'
refill_parameter = '512'
set datafile separator ','
# The group of a row: its benchmark, 'hw_refill' for pt_refill at K=512, or
# '' when it is not drawn (medians of 0 cannot be drawn on a log axis).
group_of(b) = strcol(7) ne 'insn' || strcol(10) eq '' || !(column(10) > 0) ? '' \
	: strcol(6) eq '-' && strstrt(' '.fault_benchmarks.' ', ' '.b.' ') ? b \
	: b eq refill_benchmark && strcol(6) eq refill_parameter ? 'hw_refill' : ''
add_word(list, w) = strstrt(list, ' '.w.' ') ? list : list.' '.w.' '

# The groups and targets present (targets in CSV order), and the medians' range.
present = ''
targets = ''
low = 1e300
high = 0
stats csv using (group_of(strcol(5)) ne '' ? (present = add_word(present, group_of(strcol(5))), \
	targets = add_word(targets, strcol(4)), low = $10 < low ? $10 : low, \
	high = $10 > high ? $10 : high, 0) : 0) nooutput

# The groups drawn, in the fixed order above.
groups = ''
do for [g in fault_benchmarks.' hw_refill'] {
	if (strstrt(present, ' '.g.' ')) { groups = groups.' '.g }
}
group_name(g) = g eq 'hw_refill' ? 'hw_refill (K='.refill_parameter.')' : g
position_from(g, i) = i > words(groups) ? NaN : word(groups, i) eq g ? i : position_from(g, i + 1)
bar_width = 0.8 / (words(targets) > 0 ? words(targets) : 1)
bar_x(g, j) = position_from(g, 1) - 0.4 + (j - 0.5) * bar_width

set title 'Page-fault cost by kind and variant (median)'
set ylabel 'median (insn)'
set grid ytics
set key top left
set style fill solid 0.8 border -1
set boxwidth bar_width absolute
set xrange [0.5:words(groups) + 0.5]
set xtics () scale 0
do for [i=1:words(groups)] { set xtics add (group_name(word(groups, i)) i) }
if (words(groups) == 0) {
	set label 1 'no fault results in '.csv at graph 0.5, 0.5 center
	set xrange [0:1]
	set yrange [0:1]
} else {
	set logscale y
	set yrange [low / 2:high * 3]
}
do for [term in 'svg pngcairo'] {
	set terminal term size 1000,600 noenhanced
	set output outdir.'/faults.'.(term eq 'svg' ? 'svg' : 'png')
	if (words(groups) == 0) {
		plot 1/0 notitle
	} else {
		plot for [j=1:words(targets)] csv skip 1 \
			using (group_of(strcol(5)) ne '' && strcol(4) eq word(targets, j) \
				? bar_x(group_of(strcol(5)), j) : NaN):10 \
			with boxes title word(targets, j), \
			for [j=1:words(targets)] csv skip 1 \
			using (group_of(strcol(5)) ne '' && strcol(4) eq word(targets, j) \
				? bar_x(group_of(strcol(5)), j) : NaN):($10 * 1.08):(strcol(10)) \
			with labels rotate by 90 left font ',9' notitle
	}
	unset output
}
