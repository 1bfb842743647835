"""`python -m kasa_doctor` runs the same CLI as the `kasa-doctor` script."""

from kasa_doctor.cli.main import main

main()
