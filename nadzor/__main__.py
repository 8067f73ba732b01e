from nadzor.cli import main

main()
