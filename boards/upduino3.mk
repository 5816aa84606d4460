# boards/upduino3.mk - UPduino v3.0/v3.1 (tinyVision.ai)
#   FPGA      Lattice iCE40UP5K, SG48 package
#   clock     internal SB_HFOSC (48 MHz / 4 = 12 MHz) by default, so the board works
#             as shipped; UPDUINO_CLK=pin takes the 12 MHz oscillator on pin 20
#             instead (only with the OSC jumper R16 shorted). Other clocks go
#             through SB_PLL40_CORE.
#   UART      FT232H (0403:6014): serial_txd 14 (FPGA to USB), serial_rxd 15; the
#             lines are shared with the SPI flash, so flash CS (16) is held high
#   pins used serial_txd 14, serial_rxd 15, spi_cs 16, RGB LED 39/40/41 (constraints/upduino3.pcf)
#   program   FT232H to the SPI flash: openFPGALoader -c ft232 (or iceprog)
FPGA_FAMILY    := ice40
FPGA_DEVICE    := up5k
FPGA_PACKAGE   := sg48
FPGA_PINS      := constraints/upduino3.pcf
FPGA_WRAPPER   := sq_board_upduino3
FPGA_OSC_MHZ   := 12
UPDUINO_CLK    ?= hfosc
FPGA_PLL       := core
FPGA_PROG      := openFPGALoader -c ft232
FPGA_DEF_P       := 4
FPGA_DEF_CLK_MHZ := 12
FPGA_DEF_BAUD    := 1000000
# accumulator: the model's widest acc_bits, rounded up to a multiple of 4
FPGA_DEF_ACCW    := model
FPGA_RES_LC    := 5280
FPGA_RES_EBR   := 30
FPGA_RES_EBR_BITS := 4096
FPGA_RES_SPRAM := 4
FPGA_RES_DSP   := 8
