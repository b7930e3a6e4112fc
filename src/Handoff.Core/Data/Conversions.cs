using System.Text.Json;
using Handoff.Access;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Handoff.Data;

/// <summary>Every stored time is UTC; SQLite hands back unspecified kinds, so they are marked UTC on read.</summary>
internal sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
    v => v.Kind == DateTimeKind.Utc ? v : v.ToUniversalTime(),
    v => DateTime.SpecifyKind(v, DateTimeKind.Utc));

/// <summary>Custom fields as a JSON object in one column.</summary>
internal sealed class StringMapConverter() : ValueConverter<Dictionary<string, string>, string>(
    v => JsonSerializer.Serialize(v, (JsonSerializerOptions?)null),
    v => JsonSerializer.Deserialize<Dictionary<string, string>>(v, (JsonSerializerOptions?)null) ?? new Dictionary<string, string>());

internal sealed class StringMapComparer() : ValueComparer<Dictionary<string, string>>(
    (a, b) => a!.Count == b!.Count && !a.Except(b).Any(),
    v => v.Aggregate(0, (h, p) => HashCode.Combine(h, p.Key, p.Value)),
    v => new Dictionary<string, string>(v, StringComparer.Ordinal));

/// <summary>API scopes as a comma-separated list.</summary>
internal sealed class ScopeListConverter() : ValueConverter<List<ApiScope>, string>(
    v => string.Join(',', v),
    v => v.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Enum.Parse<ApiScope>).ToList());

internal sealed class ScopeListComparer() : ValueComparer<List<ApiScope>>(
    (a, b) => a!.SequenceEqual(b!),
    v => v.Aggregate(0, (h, s) => HashCode.Combine(h, s)),
    v => v.ToList());

/// <summary>A list of strings as a JSON array in one column.</summary>
internal sealed class StringListConverter() : ValueConverter<List<string>, string>(
    v => JsonSerializer.Serialize(v, (JsonSerializerOptions?)null),
    v => JsonSerializer.Deserialize<List<string>>(v, (JsonSerializerOptions?)null) ?? new List<string>());

internal sealed class StringListComparer() : ValueComparer<List<string>>(
    (a, b) => a!.SequenceEqual(b!),
    v => v.Aggregate(0, (h, s) => HashCode.Combine(h, s)),
    v => v.ToList());
