from dapper_tui.main import main

raise SystemExit(main())
