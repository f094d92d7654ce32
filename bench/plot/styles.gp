# bench/plot/styles.gp: terminal and line styles shared by bench/plot/*.gp.
#
# One colour per index family; vectordb solid with filled points, the
# in-process reference (hnswlib, FAISS) dashed with open points.  The
# numbers are those of LS in bench/plot/prepare.py.

if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {
	set terminal pngcairo size width, height font "DejaVu Sans,10" noenhanced
} else {
	set terminal png size width, height font "DejaVuSans,9" noenhanced
}
set output out

c_hnsw = 0x1f77b4; c_flat = 0x2ca02c; c_sq8 = 0xe6750a; c_pq = 0x9467bd; c_other = 0x909090
# the colour of line style s, for plots that colour by a data column
colour(s) = (s == 1 || s == 2) ? c_hnsw : (s == 3 || s == 4) ? c_flat : \
	(s == 5 || s == 6) ? c_sq8 : (s == 7 || s == 8) ? c_pq : c_other
set style line 1  lc rgb c_hnsw lw 2 pt 7 ps 1.1 dt 1                   # vectordb hnsw
set style line 2  lc rgb c_hnsw lw 2 pt 6 ps 1.1 dt (6, 4)              # hnswlib
set style line 3  lc rgb c_flat lw 2 pt 5 ps 1.0 dt 1                   # vectordb ivf flat
set style line 4  lc rgb c_flat lw 2 pt 4 ps 1.0 dt (6, 4)              # FAISS IVFFlat
set style line 5  lc rgb c_sq8  lw 2 pt 9 ps 1.2 dt 1                   # vectordb ivf sq8
set style line 6  lc rgb c_sq8  lw 2 pt 8 ps 1.2 dt (6, 4)              # FAISS IVFSQ8
set style line 7  lc rgb c_pq   lw 2 pt 13 ps 1.3 dt 1                  # vectordb ivf pq
set style line 8  lc rgb c_pq   lw 2 pt 12 ps 1.3 dt (6, 4)             # FAISS IVFPQ
set style line 9  lc rgb 0x000000 lw 2 pt 7 ps 1.6                       # vectordb exact
set style line 10 lc rgb 0x000000 lw 2 pt 6 ps 1.6                     # FAISS exact
set style line 11 lc rgb c_other lw 1                                 # table
