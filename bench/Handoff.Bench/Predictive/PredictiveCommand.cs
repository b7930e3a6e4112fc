using System.Diagnostics;
using System.Globalization;
using System.Text;
using Handoff.Predictive;

namespace Handoff.Bench.Predictive;

/// <summary>
/// Evaluates the predictive score on the X Education data set with its agreed split (test = Lead Number mod 5 == 0),
/// with and without the columns that leak the outcome, against a tuned LightGBM baseline on the same split and
/// the same encoded columns (grid chosen on a validation part of the training rows only, then refit on all of them).
/// </summary>
internal static class PredictiveCommand
{
    public const string Usage = "predictive PATH/TO/x-education/Leads.csv [--raw]";

    /// <summary>Filled in by sales after contact (see the data set's README): they leak the outcome.</summary>
    private static readonly string[] Leaking =
    [
        "Tags", "Lead Quality", "Lead Profile", "Asymmetrique Activity Index", "Asymmetrique Profile Index",
        "Asymmetrique Activity Score", "Asymmetrique Profile Score", "Last Activity", "Last Notable Activity",
    ];

    private static readonly string[] NotFeatures = ["Prospect ID", "Lead Number", "Converted"];

    public static int Run(string[] args)
    {
        var raw = args.Length == 2 && args[1] == "--raw";
        if (args.Length is not (1 or 2) || (args.Length == 2 && !raw) || !File.Exists(args[0]))
        {
            Console.Error.WriteLine("usage: Handoff.Bench " + Usage);
            return 2;
        }

        var rows = Read(args[0], raw);
        Console.WriteLine($"X Education: {rows.Count} leads, {rows.Count(r => r.Label)} converted; split: test = Lead Number mod 5 == 0");
        Console.WriteLine(raw
            ? "columns as an import stores them: the ids (Prospect ID, Lead Number) and the form default Select included"
            : "ids (Prospect ID, Lead Number) left out and Select read as missing by the bench");
        Console.WriteLine($"threads per LightGBM fit: 1; processors: {Environment.ProcessorCount}");
        foreach (var withLeaks in new[] { false, true })
        {
            var records = rows.Select(r => new TrainingRecord(
                r.Number.ToString(CultureInfo.InvariantCulture),
                r.Values.Where(v => withLeaks || !Leaking.Contains(v.Key)).ToDictionary(v => v.Key, v => v.Value),
                r.Label)).ToList();
            var train = records.Where((_, i) => rows[i].Number % 5 != 0).ToList();
            var test = records.Where((_, i) => rows[i].Number % 5 == 0).ToList();
            Compare(withLeaks ? "with leaking columns" : "without leaking columns", train, test);
        }

        return 0;
    }

    private static void Compare(string label, List<TrainingRecord> train, List<TrainingRecord> test)
    {
        var labels = test.Select(r => r.Label).ToArray();
        var settings = new TrainerSettings();

        var watch = Stopwatch.StartNew();
        var ours = PredictiveTrainer.Train(train, settings);
        var oursTrain = watch.Elapsed.TotalSeconds;
        watch.Restart();
        var oursP = ours.Predict(test.Select(r => r.Values).ToList());
        var oursScore = watch.Elapsed.TotalMilliseconds / test.Count;
        watch.Restart();
        var explained = ours.ExplainMany(test.Take(200).Select(r => r.Values).ToList(), 5);
        var explainMs = watch.Elapsed.TotalMilliseconds / explained.Count;

        // Baseline: one LightGBM, grid chosen on a validation fifth of the training rows, refit on all of them.
        watch.Restart();
        var schema = ours.Schema;
        var isValidation = train.Select(r => PredictiveTrainer.Bucket(r.Key, 5) == 0).ToArray();
        var fitX = train.Where((_, i) => !isValidation[i]).Select(r => schema.Encode(r.Values)).ToList();
        var fitY = train.Where((_, i) => !isValidation[i]).Select(r => r.Label).ToArray();
        var valX = train.Where((_, i) => isValidation[i]).Select(r => schema.Encode(r.Values)).ToList();
        var valY = train.Where((_, i) => isValidation[i]).Select(r => r.Label).ToArray();
        TreeParameters best = default;
        var bestAuc = double.MinValue;
        foreach (var candidate in settings.Grid.Where(g => !g.Bagged).Distinct())
        {
            var model = PredictiveTrainer.Fit(fitX, fitY, schema.Width, candidate, settings.Seed);
            var auc = Metrics.Auc(valY, new PredictiveEnsemble(schema, [model], candidate).PredictVectors(valX));
            if (auc > bestAuc)
            {
                (best, bestAuc) = (candidate, auc);
            }
        }

        var allX = train.Select(r => schema.Encode(r.Values)).ToList();
        var baseline = new PredictiveEnsemble(schema, [PredictiveTrainer.Fit(allX, train.Select(r => r.Label).ToArray(), schema.Width, best, settings.Seed)], best);
        var baselineTrain = watch.Elapsed.TotalSeconds;
        var baseP = baseline.PredictVectors(test.Select(r => schema.Encode(r.Values)).ToList());

        Console.WriteLine();
        Console.WriteLine($"== {label}: {train.Count} train rows, {test.Count} test rows, {schema.Columns.Count} fields -> {schema.Width} inputs");
        Console.WriteLine($"   Handoff predictive (3-fold CV over {settings.Grid.Count} settings, {settings.Members} members if bagged, + logistic regression blended at {ours.LinearWeight:F1}; chose {ours.Parameters})");
        Console.WriteLine($"     ROC AUC {Metrics.Auc(labels, oursP):F4}  log loss {Metrics.LogLoss(labels, oursP):F4}  training {oursTrain:F1} s  scoring {oursScore * 1000:F1} µs/lead  explain {explainMs:F2} ms/lead");
        Console.WriteLine($"   tuned LightGBM baseline (validation fifth over {settings.Grid.Count(g => !g.Bagged)} settings; chose {best})");
        Console.WriteLine($"     ROC AUC {Metrics.Auc(labels, baseP):F4}  log loss {Metrics.LogLoss(labels, baseP):F4}  training {baselineTrain:F1} s");
        var ids = schema.Columns.Where(c => c.Field is "Prospect ID" or "Lead Number").Select(c => c.Field).ToList();
        Console.WriteLine($"   id columns among the inputs: {(ids.Count == 0 ? "none" : string.Join(", ", ids))}");
        var sample = explained[0];
        Console.WriteLine($"   first test lead: p={sample.Probability:F3}; factors: " + string.Join("; ", sample.Factors.Select(f => $"{f.Field}={f.Value ?? "(missing)"} ({f.Effect:+0.000;-0.000} vs {f.Typical ?? "usually empty"})")));
    }

    /// <summary>
    /// The rows; with <paramref name="raw"/> every column but the outcome goes in as an import would store it, so
    /// that the product's own identifier and placeholder handling is what is measured.
    /// </summary>
    private static List<(long Number, bool Label, Dictionary<string, string?> Values)> Read(string path, bool raw)
    {
        var records = ParseCsv(File.ReadAllText(path));
        var header = records[0];
        var rows = new List<(long, bool, Dictionary<string, string?>)>();
        foreach (var record in records.Skip(1).Where(r => r.Count == header.Count))
        {
            var values = new Dictionary<string, string?>(StringComparer.Ordinal);
            for (var i = 0; i < header.Count; i++)
            {
                if (raw ? header[i] != "Converted" : !NotFeatures.Contains(header[i]))
                {
                    // "Select" is the form's default: not answered.
                    values[header[i]] = record[i] is "" || (!raw && record[i] == "Select") ? null : record[i];
                }
            }

            var number = long.Parse(record[header.IndexOf("Lead Number")], CultureInfo.InvariantCulture);
            rows.Add((number, record[header.IndexOf("Converted")] == "1", values));
        }

        return rows;
    }

    /// <summary>RFC 4180: quoted fields may hold commas, doubled quotes and line breaks.</summary>
    private static List<List<string>> ParseCsv(string text)
    {
        var records = new List<List<string>>();
        var record = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                record.Add(field.ToString());
                field.Clear();
            }
            else if (c == '\n' || c == '\r')
            {
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                {
                    i++;
                }

                record.Add(field.ToString());
                field.Clear();
                records.Add(record);
                record = [];
            }
            else
            {
                field.Append(c);
            }
        }

        if (field.Length > 0 || record.Count > 0)
        {
            record.Add(field.ToString());
            records.Add(record);
        }

        return records;
    }
}
