# bench/plot/build_size.gp: build time and index size bars, side by side.
#
#   gnuplot -e "dir='bench/plot'; data='DIR'; out='FILE.png'" bench/plot/build_size.gp
#
# DIR holds build_size.dat and build_size.gpi from bench/plot/prepare.py:
# one row per index ("x label build_s index_mib vectordb style"), vectordb
# bars solid and the in-process reference's hatched in the same colour, and
# a last row, the table's size (build_s NaN), drawn in the size panel only.
# Run by bench/plot.sh.

width = 1100; height = 600
load dir . "/styles.gp"
load data . "/build_size.gpi"
file = data . "/build_size.dat"

set multiplot layout 1, 2 title plot_title font ",11"
set style data boxes
set boxwidth 0.85
set grid ytics lc rgb 0xe4e4e4
set xtics rotate by 35 right nomirror font ",9"
set ytics nomirror
set border 3 lw 1.2
set key off
set yrange [0:*]
set offsets 0.6, 0.6, graph 0.12, 0
set lmargin 9; set bmargin 10
set label 1 "solid: vectordb (CREATE INDEX, size on disk)    hatched: in-process hnswlib / FAISS (build on the same threads, size in memory)" \
	at screen 0.5, screen 0.045 center font ",9"
set label 2 size_note at screen 0.5, screen 0.018 center font ",9" tc rgb 0x606060

# vectordb: solid; the in-process reference: hatched
solid(col) = (column(5) == 1 ? column(col) : NaN)
ref(col) = (column(5) == 0 ? column(col) : NaN)

set xrange [*:x_last_index + 0.6]               # the table has no build time
set title "build time (s)" font ",10"
set ylabel "seconds"
plot file using 1:(solid(3)):(colour(column(6))):xtic(column(3) == column(3) ? strcol(2) : "") \
		lc rgb variable fs solid 0.85 border lc rgb 0x404040, \
	'' using 1:(ref(3)):(colour(column(6))) lc rgb variable fs pattern 4 border, \
	'' using 1:3:(sprintf("%.1f", column(3))) with labels offset 0, 0.7 font ",9"

unset label
set xrange [*:*]
set title "index size (MiB)" font ",10"
set ylabel "MiB"
plot file using 1:(solid(4)):(colour(column(6))):xtic(2) lc rgb variable fs solid 0.85 border lc rgb 0x404040, \
	'' using 1:(ref(4)):(colour(column(6))) lc rgb variable fs pattern 4 border, \
	'' using 1:4:(sprintf("%.0f", column(4))) with labels offset 0, 0.7 font ",9"

unset multiplot
