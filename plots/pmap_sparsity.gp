# pmap_sparsity.gp: page-table cost against sparsity. A task touches 256
# pages, one every K pages (parameter K = 1, 2, 4 ... 512, on a log2 x axis).
# Left panel: the bytes of its translation structures (pt_footprint, unit
# bytes); right panel: the cost per page of touching those pages a second
# time (pt_refill, unit insn); both medians on a log y axis, one curve per
# target with rows (default has radix page tables, pmap-hashed a hashed
# page table), a target keeping its colour in both panels. Reads the
# harness CSV named by `csv` and writes outdir/pmap_sparsity.svg and
# outdir/pmap_sparsity.png:
#   gnuplot -e "csv='results/RUN.csv'; outdir='plots'" plots/pmap_sparsity.gp
# CSV columns used: 4 target, 5 benchmark, 6 parameter, 7 unit, 10 median.
# The `stats` passes read the header row too (it fails every filter), so a
# CSV without rows gives an empty figure, not a warning.
# The CSV interleaves targets, so each curve's rows are first copied into
# its own data set of $curves (filtering with NaN would break the lines).

benchmarks = 'pt_footprint pt_refill'
set datafile separator ','
unit_of(b) = b eq 'pt_footprint' ? 'bytes' : 'insn'
# log axes: strides and medians of 0 cannot be drawn, so they are left out
measured(b) = strstrt(' '.benchmarks.' ', ' '.b.' ') > 0 && strcol(7) eq unit_of(b) \
	&& strcol(6) ne '-' && strcol(10) ne '' && column(6) > 0 && column(10) > 0
on_curve(b, t) = strcol(5) eq b && strcol(4) eq t && measured(b)

# Every target with a point, in CSV (command-line) order; the range of K,
# of the footprint (for the byte tics) and of the refill cost.
targets = ''
k_low = 1e300
k_high = 0
bytes_low = 1e300
bytes_high = 0
refill_low = 1e300
refill_high = 0
stats csv using (measured(strcol(5)) ? ( \
	targets = strstrt(targets, ' '.strcol(4).' ') ? targets : targets.' '.strcol(4).' ', \
	k_low = $6 < k_low ? $6 : k_low, k_high = $6 > k_high ? $6 : k_high, \
	bytes_low = strcol(5) eq 'pt_footprint' && $10 < bytes_low ? $10 : bytes_low, \
	bytes_high = strcol(5) eq 'pt_footprint' && $10 > bytes_high ? $10 : bytes_high, \
	refill_low = strcol(5) ne 'pt_footprint' && $10 < refill_low ? $10 : refill_low, \
	refill_high = strcol(5) ne 'pt_footprint' && $10 > refill_high ? $10 : refill_high, \
	0) : 0) nooutput
position_from(t, i) = i > words(targets) ? 0 : word(targets, i) eq t ? i : position_from(t, i + 1)

# One data set per non-empty curve; per panel, sets lists their indices in
# $curves, names their targets and types their line types.
curves = 0
sets1 = ''
names1 = ''
types1 = ''
sets2 = ''
names2 = ''
types2 = ''
do for [b in benchmarks] {
	do for [t in targets] {
		points = 0
		stats csv using (points = points + on_curve(b, t), 0) nooutput
		if (points > 0) {
			if (b eq 'pt_footprint') {
				sets1 = sets1.' '.curves
				names1 = names1.' '.t
				types1 = types1.' '.position_from(t, 1)
			} else {
				sets2 = sets2.' '.curves
				names2 = names2.' '.t
				types2 = types2.' '.position_from(t, 1)
			}
			curves = curves + 1
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

# Footprint tics at powers of two, named in B, KiB, MiB or GiB, at most
# about ten of them.
size_name(e) = e < 10 ? sprintf('%d B', 2**e) : e < 20 ? sprintf('%d KiB', 2**(e - 10)) \
	: e < 30 ? sprintf('%d MiB', 2**(e - 20)) : sprintf('%d GiB', 2**(e - 30))
bytes_step = bytes_high > 0 ? ceil(log(bytes_high * 3 / bytes_low) / log(2) / 10) : 1
bytes_step = bytes_step < 1 ? 1 : bytes_step

set datafile separator whitespace
set termoption noenhanced
set logscale x 2
set logscale y
set format x '%g'
set xlabel 'stride K (pages between touched pages)'
set grid
set key top left
do for [term in 'svg pngcairo'] {
	set terminal term size 1000,600 noenhanced
	set output outdir.'/pmap_sparsity.'.(term eq 'svg' ? 'svg' : 'png')
	set multiplot layout 1,2 title 'Page-table cost against sparsity: 256 pages touched, one every K pages (median)'
	do for [panel=1:2] {
		b = word(benchmarks, panel)
		sets = panel == 1 ? sets1 : sets2
		names = panel == 1 ? names1 : names2
		types = panel == 1 ? types1 : types2
		unset label 1
		if (panel == 1) {
			set title 'translation structures (pt_footprint)'
			set ylabel 'footprint (bytes)'
			set ytics ()
			do for [e=0:62:bytes_step] { set ytics add (size_name(e) 2**e) }
			set mytics 1
		} else {
			set title 'second touch, per page (pt_refill)'
			set ylabel 'refill cost (insn per page)'
			# 1-2-5 tics unless the costs span more than three decades
			if (refill_high > 1000 * refill_low) {
				set ytics autofreq
			} else {
				set ytics ()
				do for [e=-1:8] { set ytics add (10**e, 2 * 10**e, 5 * 10**e) }
			}
			set format y '%g'
			set mytics default
		}
		if (words(sets) == 0) {
			set label 1 'no '.b.' results in'."\n".csv at graph 0.5, 0.5 center
			set xrange [1:512]
			set yrange [(panel == 1 ? 1024 : 1):(panel == 1 ? 1048576 : 1000)]
			plot 1/0 notitle
		} else {
			set xrange [k_low / 1.3:k_high * 1.3]
			if (panel == 1) {
				set yrange [bytes_low / 1.5:bytes_high * 1.5]
			} else {
				# autoscaled, unless every cost is the same (an empty range)
				if (refill_high > refill_low * 1.01) {
					set yrange [*:*]
				} else {
					set yrange [refill_low / 3:refill_high * 3]
				}
			}
			plot for [i=1:words(sets)] $curves index (word(sets, i) + 0) using 1:2 \
				with linespoints linetype (word(types, i) + 0) title word(names, i)
		}
	}
	unset multiplot
	unset output
}
