return await Handoff.Cli.HandoffCli.RunAsync(args);
