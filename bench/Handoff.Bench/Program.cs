using BenchmarkDotNet.Running;
using Handoff.Bench.Load;
using Handoff.Bench.Predictive;
using Handoff.Bench.Scoring;
using Handoff.Bench.Sla;

// micro [BenchmarkDotNet args]  -> in-process benchmarks of the capture hot path and the MQL check (Micro/)
// load --provider ... --url ... -> HTTP load against a running Handoff.Web (Load/)
// routing [--rules N]            -> the routing decision with N rules on a SQLite file (Routing/)
// predictive Leads.csv           -> predictive score vs a tuned LightGBM on the X Education split (Predictive/)
// sla-sweep --provider ...      -> the SLA sweep over 1,000,000 open clocks (Sla/)
// rescore --leads N ...          -> rescore every lead after a model change (Scoring/)
// score-event                    -> the incremental score update per activity, in process (Scoring/)
return args switch
{
    ["micro", .. var rest] => RunMicro(rest),
    ["load", .. var rest] => await LoadCommand.RunAsync(rest),
    ["routing", .. var rest] => await Handoff.Bench.Routing.RoutingCommand.RunAsync(rest),
    ["predictive", .. var rest] => PredictiveCommand.Run(rest),
    ["sla-sweep", .. var rest] => await SlaSweepCommand.RunAsync(rest),
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
                             --leads N --concurrency C [--rate R] [--max-seconds S] [--label TEXT] [--route-team N]
          Handoff.Bench routing [--rules 500] [--decisions 5000]
          Handoff.Bench predictive PATH/TO/x-education/Leads.csv
          Handoff.Bench sla-sweep --provider sqlite|postgres [--connection ADMIN_CONNECTION] [--clocks N] [--due D]
          Handoff.Bench rescore --leads N --activities M [--provider sqlite|postgres] [--connection CS] [--file PATH] [--fresh]
          Handoff.Bench score-event [--events N]
        """);
    return 2;
}
