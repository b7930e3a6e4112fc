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
/// value of a typical lead (median, or most frequent category): a factor is the change of probability when the
/// lead's own value is replaced by it.
/// </summary>
public sealed record FeatureColumn(string Field, FeatureKind Kind, int Offset, IReadOnlyList<string> Categories, string? Reference)
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
}

/// <summary>
/// The inputs of a predictive model, learned from the training records and generic over any set of named
/// fields (lead fields, custom fields of imports, activity counts): numeric fields are detected from their values,
/// the others are one-hot encoded over their frequent categories. Missing values stay missing (NaN / no slot set),
/// which gradient-boosted trees handle natively.
/// </summary>
public sealed class FeatureSchema
{
    [JsonConstructor]
    public FeatureSchema(IReadOnlyList<FeatureColumn> columns)
    {
        Columns = columns;
        Width = columns.Count == 0 ? 0 : columns[^1].Offset + columns[^1].Width;
    }

    public IReadOnlyList<FeatureColumn> Columns { get; }

    /// <summary>The length of the feature vector.</summary>
    [JsonIgnore]
    public int Width { get; }

    /// <summary>Learns the columns from rows of named values; fields with a single value (or none) are left out.</summary>
    public static FeatureSchema Learn(IReadOnlyList<IReadOnlyDictionary<string, string?>> rows, FeatureLimits limits)
    {
        var fields = rows.SelectMany(r => r.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var columns = new List<FeatureColumn>();
        var offset = 0;
        foreach (var field in fields)
        {
            var values = new List<string>();
            foreach (var row in rows)
            {
                if (Clean(row.GetValueOrDefault(field)) is { } value)
                {
                    values.Add(value);
                }
            }

            if (values.Select(v => v.ToUpperInvariant()).Distinct().Take(2).Count() < 2)
            {
                continue;
            }

            var numbers = values.Select(Number).Where(n => n is not null).Select(n => n!.Value).ToList();
            FeatureColumn column;
            if (numbers.Count >= limits.NumericShare * values.Count)
            {
                numbers.Sort();
                column = new FeatureColumn(field, FeatureKind.Numeric, offset, [], numbers[numbers.Count / 2].ToString("R", CultureInfo.InvariantCulture));
            }
            else
            {
                var categories = values
                    .GroupBy(Key, StringComparer.Ordinal)
                    .Select(g => (Key: g.Key, Count: g.Count()))
                    .Where(g => g.Count >= limits.MinCategoryCount)
                    .OrderByDescending(g => g.Count).ThenBy(g => g.Key, StringComparer.Ordinal)
                    .Take(limits.MaxCategories)
                    .Select(g => g.Key)
                    .ToList();
                if (categories.Count == 0)
                {
                    continue; // every value is rare (names, ids): nothing a model could learn from
                }

                column = new FeatureColumn(field, FeatureKind.Categorical, offset, categories, categories[0]);
            }

            columns.Add(column);
            offset += column.Width;
        }

        return new FeatureSchema(columns);
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
    /// number as the typical one plus a "was missing" flag; categories as they are.
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
                value = column.Reference is { } r && Number(r) is { } n ? (float)n : 0f;
                result[flag] = 1f;
            }

            result[column.Offset] = MathF.Sign(value) * MathF.Log(1 + MathF.Abs(value));
            flag++;
        }

        return result;
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

    /// <summary>Empty and whitespace values are missing.</summary>
    internal static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>Categories compare case-insensitively ("Google" and "google" are one source).</summary>
    private static string Key(string value) => value.ToLowerInvariant();

    private static double? Number(string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && double.IsFinite(n) ? n : null;
}
