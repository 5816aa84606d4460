# vitis_hls.tcl - synthesize sparq's hls_c core with AMD Vitis HLS.
# Not run here (Vitis HLS is not free software); for users who have it:
#   sparq export-hls m.sqm --lanes 8 -o build/hls/model
#   vitis_hls -f hls_c/tools/vitis_hls.tcl -tclargs build/hls/model xc7a35t-cpg236-1 10
# args: model header folder, part, clock period in ns.
set model_dir [lindex $argv 0]
set part      [expr {[llength $argv] > 1 ? [lindex $argv 1] : "xc7a35t-cpg236-1"}]
set period    [expr {[llength $argv] > 2 ? [lindex $argv 2] : 10}]

open_project -reset build/vitis_hls_sparq
set_top sq_hls_top
add_files hls_c/sq_hls.c     -cflags "-I$model_dir -Ihls_c"
add_files hls_c/sq_hls_top.c -cflags "-I$model_dir -Ihls_c"
open_solution -reset solution1 -flow_target vivado
set_part $part
create_clock -period $period -name default
csynth_design
exit
