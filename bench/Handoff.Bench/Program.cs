using BenchmarkDotNet.Running;
using Handoff.Bench.Load;
using Handoff.Bench.Scoring;

// micro [BenchmarkDotNet args]  -> in-process benchmarks of the capture hot path (Micro/)
// load --provider ... --url ... -> HTTP load against a running Handoff.Web (Load/)
return args switch
{
    ["micro", .. var rest] => RunMicro(rest),
    ["load", .. var rest] => await LoadCommand.RunAsync(rest),
    ["rescore", .. var rest] => await RescoreCommand.RunAsync(rest),
    ["score-event", .. var rest] => ScoreEventCommand.Run(rest),
    _ => Usage(),
};

static int RunMicro(string[] args)
{
    var summaries = BenchmarkSwitcher.FromAssembly(typeof(LoadCommand).Assembly).Run(args);
    return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
}

static int Usage()
{
    Console.Error.WriteLine("""
        usage:
          Handoff.Bench micro [BenchmarkDotNet args, e.g. --filter '*' --job short]
          Handoff.Bench load --provider sqlite|postgres --url http://127.0.0.1:PORT --key KEY
                             --leads N --concurrency C [--rate R] [--max-seconds S] [--label TEXT]
          Handoff.Bench rescore --leads N --activities M [--provider sqlite|postgres] [--connection CS] [--file PATH] [--fresh]
          Handoff.Bench score-event [--events N]
        """);
    return 2;
}
