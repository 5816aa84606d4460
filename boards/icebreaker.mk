# boards/icebreaker.mk - iCEBreaker v1.0 (1BitSquared)
#   FPGA      Lattice iCE40UP5K, SG48 package
#   clock     12 MHz oscillator on pin 35 (the PLL pad); other clocks through SB_PLL40_PAD
#   UART      FT2232H channel B: FPGA RX pin 6, FPGA TX pin 9 (up to 12 Mbaud from the bridge)
#   pins used clk 35, rx 6, tx 9, btn_n 10 (reset), ledr_n 11, ledg_n 37 (constraints/icebreaker.pcf)
#   program   FT2232H channel A to the SPI flash: openFPGALoader -b ice40_generic
FPGA_FAMILY    := ice40
FPGA_DEVICE    := up5k
FPGA_PACKAGE   := sg48
FPGA_PINS      := constraints/icebreaker.pcf
FPGA_WRAPPER   := sq_board_icebreaker
FPGA_OSC_MHZ   := 12
FPGA_PLL       := pad
FPGA_PROG      := openFPGALoader -b ice40_generic
# defaults: 4 lanes (each lane keeps its own activation copy; 8 lanes need more
# than the 30 EBR), the board clock, 1 Mbaud (12 clocks per bit at 12 MHz)
FPGA_DEF_P       := 4
FPGA_DEF_CLK_MHZ := 12
FPGA_DEF_BAUD    := 1000000
# accumulator: the model's widest acc_bits, rounded up to a multiple of 4
FPGA_DEF_ACCW    := model
# resources (Lattice iCE40 UltraPlus datasheet): logic cells, EBR (4 Kbit), SPRAM, DSP
FPGA_RES_LC    := 5280
FPGA_RES_EBR   := 30
FPGA_RES_EBR_BITS := 4096
FPGA_RES_SPRAM := 4
FPGA_RES_DSP   := 8
