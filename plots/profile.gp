# profile.gp: where the instructions go. For every benchmark and target of
# the run's profile, one bar of the median sample's instructions stacked by
# component (harness/profile_components.c). Reads the components CSV written
# beside the run's CSV (`csv` with "-components.csv" for ".csv":
# results/RUN-components.csv, columns "measure" then one per component) and
# writes outdir/profile.svg and outdir/profile.png:
#   gnuplot -e "csv='results/RUN.csv'; outdir='plots'" plots/profile.gp
# A run without a profile gives a figure that says so.

components = csv[1:strlen(csv) - 4].'-components.csv'
present = system('test -r '.components.' && echo 1 || echo 0') + 0
set datafile separator ','
# eighteen distinct colours, one per component (gnuplot's default eight repeat)
colours = '#9400d3 #009e73 #56b4e9 #e69f00 #f0e442 #0072b2 #e51e10 #000000 #cc79a7 #808080 #8b4513 #00ced1 #ff69b4 #6b8e23 #b0b0b0 #ffffff #ffa07a #4b0082'
do for [i=1:words(colours)] { set linetype i linecolor rgb word(colours, i) }
set title 'Where the instructions go: the median sample of each benchmark, by component (insn)'
set ylabel 'instructions (insn)'
set grid ytics
set key outside right top
set style data histograms
set style histogram rowstacked
set style fill solid 0.85 border -1
set boxwidth 0.75 relative
set xtics rotate by -35 noenhanced
set yrange [0:*]
if (present) {
	stats components using 0 nooutput
	columns = STATS_columns
	rows = STATS_records
}
do for [term in 'svg pngcairo'] {
	set terminal term size 1200,650 noenhanced
	set output outdir.'/profile.'.(term eq 'svg' ? 'svg' : 'png')
	if (!present || rows == 0) {
		set label 1 'no profile in this run ('.components.')' at graph 0.5, 0.5 center
		set xrange [0:1]
		set yrange [0:1]
		plot 1/0 notitle
		unset label 1
	} else {
		plot for [i=2:columns] components using i:xtic(1) title columnheader(i)
	}
	unset output
}
