from atmpcli.cli import main

main()
