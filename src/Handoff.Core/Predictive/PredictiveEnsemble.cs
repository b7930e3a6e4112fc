using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.LightGbm;

namespace Handoff.Predictive;

/// <summary>
/// One factor of a lead's probability: its value of a field (null: none, or a form placeholder such as "Select"),
/// the value of a typical lead (null: most leads have none), and how much the probability changes when the lead's
/// value is replaced by the typical one (positive: this value raises it).
/// </summary>
public sealed record PredictionFactor(string Field, string? Value, string? Typical, double Effect)
{
    /// <summary>The factor in plain words, e.g. <c>emailConsent is false (usually empty): +0.0213</c>.</summary>
    public string Text => string.Create(
        CultureInfo.InvariantCulture,
        $"{Field} is {(Value is null ? "empty" : Value)} ({(Typical is null ? "usually empty" : "typically " + Typical)}): {Effect:+0.####;-0.####;0}");
}

/// <summary>
/// A trained predictive model: the feature encoding, the averaged LightGBM members and, blended in with
/// <see cref="LinearWeight"/>, a logistic regression. Thread-safe for scoring. Stored as a zip of
/// <c>schema.json</c> and one ML.NET model file per member.
/// </summary>
public sealed class PredictiveEnsemble
{
    private static readonly MLContext Ml = CreateContext();

    private readonly IReadOnlyList<ITransformer> _members;
    private readonly ITransformer? _linear;

    public PredictiveEnsemble(FeatureSchema schema, IReadOnlyList<ITransformer> members, TreeParameters parameters, ITransformer? linear = null, double linearWeight = 0)
    {
        Schema = schema;
        _members = members;
        Parameters = parameters;
        _linear = linear;
        LinearWeight = linear is null ? 0 : linearWeight;
    }

    /// <summary>The share of the logistic regression in the blend (0: trees only); chosen by cross-validation.</summary>
    public double LinearWeight { get; }

    public FeatureSchema Schema { get; }

    public TreeParameters Parameters { get; }

    public int MemberCount => _members.Count;

    /// <summary>The probability of the outcome for each row of named values.</summary>
    public double[] Predict(IReadOnlyList<IReadOnlyDictionary<string, string?>> rows) =>
        PredictVectors(rows.Select(Schema.Encode).ToList());

    public double[] PredictVectors(IReadOnlyList<float[]> vectors)
    {
        var sum = new double[vectors.Count];
        foreach (var member in _members)
        {
            var scores = Score(member, vectors, Schema.Width);
            for (var i = 0; i < sum.Length; i++)
            {
                sum[i] += scores[i];
            }
        }

        for (var i = 0; i < sum.Length; i++)
        {
            sum[i] /= _members.Count;
        }

        if (_linear is not null && LinearWeight > 0)
        {
            var linear = Score(_linear, vectors.Select(Schema.Linear).ToList(), Schema.LinearWidth);
            for (var i = 0; i < sum.Length; i++)
            {
                sum[i] = (1 - LinearWeight) * sum[i] + LinearWeight * linear[i];
            }
        }

        return sum;
    }

    /// <summary>
    /// The probability of one lead and its <paramref name="top"/> strongest factors: for each field, the change of
    /// probability when the lead's value is swapped for a typical lead's (an ablation over the model's inputs,
    /// so it explains the whole ensemble, not one tree).
    /// </summary>
    public (double Probability, IReadOnlyList<PredictionFactor> Factors) Explain(IReadOnlyDictionary<string, string?> values, int top)
    {
        var results = ExplainMany([values], top);
        return results[0];
    }

    /// <summary><see cref="Explain"/> for many leads in one batch.</summary>
    public IReadOnlyList<(double Probability, IReadOnlyList<PredictionFactor> Factors)> ExplainMany(IReadOnlyList<IReadOnlyDictionary<string, string?>> rows, int top)
    {
        var columns = Schema.Columns;
        var vectors = new List<float[]>(rows.Count * (columns.Count + 1));
        foreach (var row in rows)
        {
            var vector = Schema.Encode(row);
            vectors.Add(vector);
            vectors.AddRange(columns.Select(c => FeatureSchema.WithReference(vector, c)));
        }

        var scores = PredictVectors(vectors);
        var answers = new List<(double, IReadOnlyList<PredictionFactor>)>(rows.Count);
        for (var r = 0; r < rows.Count; r++)
        {
            var start = r * (columns.Count + 1);
            var probability = scores[start];
            var factors = columns
                .Select((c, i) => new PredictionFactor(c.Field, Schema.Clean(rows[r].GetValueOrDefault(c.Field)), c.Reference, Math.Round(probability - scores[start + 1 + i], 4)))
                .Where(f => f.Effect != 0)
                .OrderByDescending(f => Math.Abs(f.Effect))
                .ThenBy(f => f.Field, StringComparer.Ordinal)
                .Take(top)
                .ToList();
            answers.Add((probability, factors));
        }

        return answers;
    }

    public byte[] Save()
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            using (var entry = zip.CreateEntry("schema.json").Open())
            {
                JsonSerializer.Serialize(entry, new Stored(Schema, Parameters, LinearWeight));
            }

            if (_linear is not null)
            {
                using var entry = zip.CreateEntry("linear.zip", CompressionLevel.NoCompression).Open();
                Ml.Model.Save(_linear, Load(Ml, [], [], Schema.LinearWidth).Schema, entry);
            }

            var input = Load(Ml, [], [], Schema.Width).Schema;
            for (var i = 0; i < _members.Count; i++)
            {
                using var entry = zip.CreateEntry($"member-{i.ToString(CultureInfo.InvariantCulture)}.zip", CompressionLevel.NoCompression).Open();
                Ml.Model.Save(_members[i], input, entry);
            }
        }

        return buffer.ToArray();
    }

    public static PredictiveEnsemble Load(byte[] bytes)
    {
        using var zip = new ZipArchive(new MemoryStream(bytes), ZipArchiveMode.Read);
        Stored stored;
        using (var entry = zip.GetEntry("schema.json")!.Open())
        {
            stored = JsonSerializer.Deserialize<Stored>(entry) ?? throw new InvalidDataException("The model has no schema.");
        }

        var members = zip.Entries
            .Where(e => e.Name.StartsWith("member-", StringComparison.Ordinal))
            .OrderBy(e => e.Name.Length).ThenBy(e => e.Name, StringComparer.Ordinal)
            .Select(LoadModel)
            .ToList();
        var linear = zip.GetEntry("linear.zip") is { } l ? LoadModel(l) : null;
        return new PredictiveEnsemble(stored.Schema, members, stored.Parameters, linear, stored.LinearWeight);
    }

    private static ITransformer LoadModel(ZipArchiveEntry entry)
    {
        // ML.NET wants a seekable stream.
        using var copy = new MemoryStream();
        using (var source = entry.Open())
        {
            source.CopyTo(copy);
        }

        copy.Position = 0;
        return Ml.Model.Load(copy, out _);
    }

    internal static IDataView Load(MLContext ml, IReadOnlyList<float[]> vectors, bool[] labels, int width)
    {
        var definition = SchemaDefinition.Create(typeof(VectorRow));
        definition[nameof(VectorRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, Math.Max(width, 1));
        var rows = vectors.Select((v, i) => new VectorRow { Label = labels.Length > 0 && labels[i], Features = v.Length == 0 ? [float.NaN] : v });
        return ml.Data.LoadFromEnumerable(rows, definition);
    }

    internal static double[] Score(ITransformer model, IReadOnlyList<float[]> vectors, int width)
    {
        if (vectors.Count == 0)
        {
            return [];
        }

        var scored = model.Transform(Load(Ml, vectors, [], width));
        return scored.GetColumn<float>("Probability").Select(p => (double)p).ToArray();
    }

    private static MLContext CreateContext()
    {
        var ml = new MLContext(seed: 1);
        ml.ComponentCatalog.RegisterAssembly(typeof(LightGbmBinaryModelParameters).Assembly);
        return ml;
    }

    private sealed record Stored(FeatureSchema Schema, TreeParameters Parameters, double LinearWeight);

    private sealed class VectorRow
    {
        public bool Label { get; set; }

        public float[] Features { get; set; } = [];
    }
}
