# bench/plot/recall_qps.gp: recall@10 (x) against queries per second (y, log).
#
#   gnuplot -e "dir='bench/plot'; data='DIR'; out='FILE.png'" bench/plot/recall_qps.gp
#
# DIR holds recall_qps.dat and recall_qps.gpi from bench/plot/prepare.py:
# one block per curve, sorted by recall ("recall QPS setting"); the titles,
# the styles, the curves whose points get their setting written beside them
# (vectordb hnsw's ef_search), and a y range that leaves the key in the
# bottom left corner clear of the curves.  Run by bench/plot.sh.
#
# The recall axis is linear in -log10(1 - recall), so 0.9, 0.99 and 0.999
# are equally far apart and the high-recall end, where the indexes differ,
# is not squeezed into the last few pixels; recall 1 (exact search) sits at
# the right edge.

width = 1100; height = 720
load dir . "/styles.gp"
load data . "/recall_qps.gpi"

# x = -log10(1 - recall + eps): eps keeps recall 1 finite, at the right edge
eps = 10**-4.4
nines(r) = -log10(1 - r + eps)

set title plot_title font ",11"
set xlabel "recall@10 (axis spaced by -log10(1 - recall): 0.9, 0.99, 0.999 equally apart)"
set ylabel "queries per second (log scale)"
set logscale y
set yrange [ymin:*]
set format y "%.0f"
set xrange [nines(xmin):nines(1) + 0.12]
set xtics ("0.5" nines(0.5), "0.6" nines(0.6), "0.8" nines(0.8), "0.9" nines(0.9), \
	"0.95" nines(0.95), "0.98" nines(0.98), "0.99" nines(0.99), "0.995" nines(0.995), \
	"0.998" nines(0.998), "0.999" nines(0.999), "0.9999" nines(0.9999), "1 (exact)" nines(1))
set grid xtics ytics mytics lc rgb 0xe4e4e4 lw 1, lc rgb 0xf0f0f0 lw 1
set key left bottom Left reverse box opaque width 1 spacing 1.2 samplen 3.5 font ",9"
set border lw 1.2

# recall 0.95, where the benches' summaries compare QPS
set arrow 1 from nines(target), graph 0 to nines(target), graph 1 nohead lc rgb 0xa0a0a0 dt (4, 4) lw 1 back
set label 1 sprintf("recall %.2f", target) at nines(target), graph 0.97 right offset -0.5, 0 tc rgb 0x808080 font ",9"

# the settings beside the points of the tagged curves, if any
settings = (tagged eq "") ? "" : \
	', for [i in tagged] data . "/recall_qps.dat" index (int(i) - 1) using (nines($1)):2:3' . \
	' with labels offset 0, 0.9 * series_tag[int(i)] tc ls series_ls[int(i)] font ",8" notitle'

plot for [i = 1:n_series] data . "/recall_qps.dat" index (i - 1) using (nines($1)):2 \
	with linespoints ls series_ls[i] title series_title[i] @settings
