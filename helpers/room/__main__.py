from helpers.room.cli import main

main()
