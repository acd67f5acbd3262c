from kc_batch.cli import main

main()
