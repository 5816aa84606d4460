# boards/ulx3s-25f.mk - ULX3S v3.0.x (Radiona) with the LFE5U-25F
#   FPGA      Lattice ECP5 LFE5U-25F-6BG381C, CABGA381 package
#   clock     25 MHz oscillator on G2; other clocks through EHXPLLL
#   UART      FT231X (3 Mbaud max): ftdi_txd M1 (FPGA in), ftdi_rxd L4 (FPGA out)
#   pins used clk_25mhz G2, ftdi_txd M1, ftdi_rxd L4, led[7:0], btn_fire1 R1 (reset),
#             wifi_gpio0 L2 driven high (constraints/ulx3s.lpf)
#   program   FT231X JTAG: openFPGALoader -b ulx3s (SRAM; add -f for the flash)
FPGA_FAMILY    := ecp5
FPGA_DEVICE    := 25k
FPGA_PACKAGE   := CABGA381
FPGA_PINS      := constraints/ulx3s.lpf
FPGA_WRAPPER   := sq_board_ulx3s
FPGA_OSC_MHZ   := 25
FPGA_PLL       := ehxplll
FPGA_PROG      := openFPGALoader -b ulx3s
FPGA_DEF_P       := 8
FPGA_DEF_CLK_MHZ := 25
FPGA_DEF_BAUD    := 1000000
FPGA_DEF_ACCW    := 32
# resources (Lattice FPGA-DS-02012, table 1.1): LUT4s, EBR (18 Kbit), 18x18 multipliers
FPGA_RES_LC    := 24288
FPGA_RES_EBR   := 56
FPGA_RES_EBR_BITS := 18432
FPGA_RES_SPRAM := 0
FPGA_RES_DSP   := 28
