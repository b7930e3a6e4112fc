using System.Globalization;
using System.Text.Json.Serialization;

namespace Handoff.Predictive;

/// <summary>How a field becomes model inputs: one number, or one slot per known category plus one for "other".</summary>
public enum FeatureKind
{
    Numeric,
    Categorical,
}

/// <summary>
/// One source field of the model and where its inputs sit in the feature vector. <see cref="Reference"/> is the
/// value of a typical lead: the most frequent value counting "missing" as one (null when most leads have none; a
/// category in its most frequent spelling), or for a number the median when most leads have one. A factor is the
/// change of probability when the lead's own value is replaced by it. <see cref="Median"/> is the median of the
/// numbers present, which the linear model uses for a missing number (null in models stored before it existed:
/// then <see cref="Reference"/> was the median).
/// </summary>
public sealed record FeatureColumn(string Field, FeatureKind Kind, int Offset, IReadOnlyList<string> Categories, string? Reference, string? Median = null)
{
    /// <summary>How many slots of the vector the field takes.</summary>
    [JsonIgnore]
    public int Width => Kind == FeatureKind.Numeric ? 1 : Categories.Count + 1;
}

/// <summary>Limits of <see cref="FeatureSchema.Learn"/>.</summary>
public sealed record FeatureLimits
{
    /// <summary>A category seen fewer times than this falls into "other".</summary>
    public int MinCategoryCount { get; init; } = 5;

    /// <summary>At most this many categories per field (the most frequent); the rest is "other".</summary>
    public int MaxCategories { get; init; } = 40;

    /// <summary>A field is numeric when at least this share of its non-empty values parse as numbers.</summary>
    public double NumericShare { get; init; } = 0.98;

    /// <summary>
    /// A field whose values are (nearly) all different, in at least <see cref="MinIdentifierValues"/> rows, is an
    /// identifier and no input: text with at least this share of distinct values, or whole numbers with it.
    /// </summary>
    public double IdentifierShare { get; init; } = 0.98;

    /// <summary>Fewer values than this are too few to tell an identifier from a measurement that happens not to repeat.</summary>
    public int MinIdentifierValues { get; init; } = 50;

    /// <summary>Values a web form stores when nothing was chosen; they count as missing (trimmed, any case).</summary>
    public IReadOnlyList<string> Placeholders { get; init; } = DefaultPlaceholders;

    /// <summary>The form defaults of common form builders. "none", "N/A" and "other" are not among them: they are often real answers.</summary>
    public static IReadOnlyList<string> DefaultPlaceholders { get; } = ["Select", "-- Select --", "- Select -", "Please select", "Select one", "Choose one", "-"];
}

/// <summary>A field seen in the training rows that is not an input of the model, and why (in plain words).</summary>
public sealed record ExcludedField(string Field, string Reason);

/// <summary>
/// The inputs of a predictive model, learned from the training records and generic over any set of named
/// fields (lead fields, custom fields of imports, activity counts): numeric fields are detected from their values,
/// the others are one-hot encoded over their frequent categories. Missing values (empty, or a form placeholder such
/// as "Select") stay missing (NaN / no slot set), which gradient-boosted trees handle natively. Identifier-like
/// fields are left out and listed in <see cref="Excluded"/> with the other fields that are no inputs.
/// </summary>
public sealed class FeatureSchema
{
    private readonly HashSet<string> _placeholders;

    /// <summary>A schema as learned (or as stored with a model; models stored before placeholders existed have none).</summary>
    /// <param name="columns">The input fields, in vector order.</param>
    /// <param name="placeholders">Values read as missing (compared trimmed, in any case).</param>
    /// <param name="excluded">Fields seen in training that are no inputs, and why.</param>
    [JsonConstructor]
    public FeatureSchema(IReadOnlyList<FeatureColumn> columns, IReadOnlyList<string>? placeholders = null, IReadOnlyList<ExcludedField>? excluded = null)
    {
        Columns = columns;
        Placeholders = placeholders ?? [];
        Excluded = excluded ?? [];
        _placeholders = new HashSet<string>(Placeholders.Select(p => p.Trim()), StringComparer.OrdinalIgnoreCase);
        Width = columns.Count == 0 ? 0 : columns[^1].Offset + columns[^1].Width;
    }

    public IReadOnlyList<FeatureColumn> Columns { get; }

    /// <summary>Values that count as missing, as the model was trained.</summary>
    public IReadOnlyList<string> Placeholders { get; }

    /// <summary>Fields of the training rows that are no inputs: identifiers, a single value, only rare values.</summary>
    public IReadOnlyList<ExcludedField> Excluded { get; }

    /// <summary>The length of the feature vector.</summary>
    [JsonIgnore]
    public int Width { get; }

    /// <summary>
    /// Learns the columns from rows of named values. Left out (and listed in <see cref="Excluded"/>): fields with a
    /// single value or none, identifier-like fields (nearly every value distinct), and text fields whose every
    /// value is rare.
    /// </summary>
    public static FeatureSchema Learn(IReadOnlyList<IReadOnlyDictionary<string, string?>> rows, FeatureLimits limits)
    {
        var placeholders = limits.Placeholders.Select(p => p.Trim()).Where(p => p.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var cleaner = new FeatureSchema([], placeholders);
        var fields = rows.SelectMany(r => r.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var columns = new List<FeatureColumn>();
        var excluded = new List<ExcludedField>();
        var offset = 0;
        foreach (var field in fields)
        {
            var values = new List<string>();
            foreach (var row in rows)
            {
                if (cleaner.Clean(row.GetValueOrDefault(field)) is { } value)
                {
                    values.Add(value);
                }
            }

            var missing = rows.Count - values.Count;
            var distinct = values.Select(Key).Distinct(StringComparer.Ordinal).Count();
            if (distinct < 2)
            {
                excluded.Add(new ExcludedField(field, distinct == 0 ? "no value in any training lead" : "the same value in every training lead that has one"));
                continue;
            }

            var numbers = values.Select(Number).Where(n => n is not null).Select(n => n!.Value).ToList();
            var numeric = numbers.Count >= limits.NumericShare * values.Count;
            if (Identifier(values, numeric ? numbers : null, distinct, limits) is { } reason)
            {
                excluded.Add(new ExcludedField(field, reason));
                continue;
            }

            FeatureColumn column;
            if (numeric)
            {
                numbers.Sort();
                var median = numbers[numbers.Count / 2].ToString("R", CultureInfo.InvariantCulture);
                column = new FeatureColumn(field, FeatureKind.Numeric, offset, [], missing > numbers.Count ? null : median, median);
            }
            else
            {
                var counted = values
                    .GroupBy(Key, StringComparer.Ordinal)
                    .Select(g => (Key: g.Key, Count: g.Count(), Spelling: MostFrequentSpelling(g)))
                    .Where(g => g.Count >= limits.MinCategoryCount)
                    .OrderByDescending(g => g.Count).ThenBy(g => g.Key, StringComparer.Ordinal)
                    .Take(limits.MaxCategories)
                    .ToList();
                if (counted.Count == 0)
                {
                    // Every value is rare (names, free text): nothing a model could learn from.
                    excluded.Add(new ExcludedField(field, string.Create(CultureInfo.InvariantCulture, $"every value is rare: none is in {limits.MinCategoryCount} or more training leads")));
                    continue;
                }

                var reference = missing >= counted[0].Count ? null : counted[0].Spelling;
                column = new FeatureColumn(field, FeatureKind.Categorical, offset, counted.Select(g => g.Key).ToList(), reference);
            }

            columns.Add(column);
            offset += column.Width;
        }

        return new FeatureSchema(columns, placeholders, excluded);
    }

    /// <summary>The feature vector of one row.</summary>
    public float[] Encode(IReadOnlyDictionary<string, string?> values)
    {
        var vector = new float[Width];
        foreach (var column in Columns)
        {
            Write(vector, column, Clean(values.GetValueOrDefault(column.Field)));
        }

        return vector;
    }

    /// <summary>A copy of <paramref name="vector"/> with <paramref name="column"/> set to its reference value.</summary>
    public static float[] WithReference(float[] vector, FeatureColumn column)
    {
        var copy = (float[])vector.Clone();
        Write(copy, column, column.Reference);
        return copy;
    }

    /// <summary>The length of <see cref="Linear"/>'s vectors: one missing-flag per numeric field more.</summary>
    [JsonIgnore]
    public int LinearWidth => Width + Columns.Count(c => c.Kind == FeatureKind.Numeric);

    /// <summary>
    /// The vector for a linear model, which cannot take NaN nor long tails: numbers as sign·log(1+|x|), a missing
    /// number as the median plus a "was missing" flag; categories as they are.
    /// </summary>
    public float[] Linear(float[] vector)
    {
        var result = new float[LinearWidth];
        Array.Copy(vector, result, Width);
        var flag = Width;
        foreach (var column in Columns)
        {
            if (column.Kind != FeatureKind.Numeric)
            {
                continue;
            }

            var value = vector[column.Offset];
            if (float.IsNaN(value))
            {
                value = (column.Median ?? column.Reference) is { } r && Number(r) is { } n ? (float)n : 0f;
                result[flag] = 1f;
            }

            result[column.Offset] = MathF.Sign(value) * MathF.Log(1 + MathF.Abs(value));
            flag++;
        }

        return result;
    }

    /// <summary>The value as the model reads it: trimmed, or null when empty or a form placeholder (such as "Select").</summary>
    public string? Clean(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var trimmed = value.Trim();
        return _placeholders.Contains(trimmed) ? null : trimmed;
    }

    private static void Write(float[] vector, FeatureColumn column, string? value)
    {
        if (column.Kind == FeatureKind.Numeric)
        {
            vector[column.Offset] = value is not null && Number(value) is { } n ? (float)n : float.NaN;
            return;
        }

        vector.AsSpan(column.Offset, column.Width).Clear();
        if (value is null)
        {
            return;
        }

        var key = Key(value);
        var index = -1;
        for (var i = 0; i < column.Categories.Count; i++)
        {
            if (string.Equals(column.Categories[i], key, StringComparison.Ordinal))
            {
                index = i;
                break;
            }
        }

        vector[column.Offset + (index >= 0 ? index : column.Categories.Count)] = 1f;
    }

    /// <summary>
    /// Why a field is an identifier (null when it is not): nearly every value distinct, for text, or for whole numbers
    /// (sequential lead numbers, CRM ids). Numbers with fractions are measurements, however varied.
    /// </summary>
    private static string? Identifier(List<string> values, List<double>? numbers, int distinct, FeatureLimits limits)
    {
        if (values.Count < limits.MinIdentifierValues || distinct < limits.IdentifierShare * values.Count)
        {
            return null;
        }

        if (numbers is null)
        {
            return string.Create(CultureInfo.InvariantCulture, $"identifier or free text: {distinct} distinct values in {values.Count} training leads");
        }

        if (numbers.Any(n => n != Math.Floor(n)))
        {
            return null;
        }

        var wholeDistinct = numbers.Distinct().Count();
        return wholeDistinct < limits.IdentifierShare * values.Count
            ? null
            : string.Create(CultureInfo.InvariantCulture, $"identifier: {wholeDistinct} distinct whole numbers in {values.Count} training leads");
    }

    private static string MostFrequentSpelling(IEnumerable<string> spellings) =>
        spellings.GroupBy(v => v, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .First().Key;

    /// <summary>Categories compare case-insensitively ("Google" and "google" are one source).</summary>
    private static string Key(string value) => value.ToLowerInvariant();

    private static double? Number(string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && double.IsFinite(n) ? n : null;
}
