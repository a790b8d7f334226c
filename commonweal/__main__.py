from commonweal.cli import main

raise SystemExit(main())
