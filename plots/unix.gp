# unix.gp: the Unix suite (bench/unix) on the targets that are not the
# microkernel (the Linux baseline): a bar chart of the median of every
# benchmark measured without a parameter, drawn by scalars.gp with
# suite = 'unix'. Reads the harness CSV named by `csv` and writes
# outdir/unix.svg and outdir/unix.png:
#   gnuplot -e "csv='results/RUN.csv'; outdir='plots'" plots/unix.gp
suite = 'unix'
load ARG0[1:strstrt(ARG0, 'unix.gp') - 1].'scalars.gp'
