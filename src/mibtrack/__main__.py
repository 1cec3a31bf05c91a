from mibtrack.cli import main

main()
