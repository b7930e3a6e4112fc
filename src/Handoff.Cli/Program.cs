_ = Handoff.Data.MallocArenas.Limit();
return await Handoff.Cli.HandoffCli.RunAsync(args);
