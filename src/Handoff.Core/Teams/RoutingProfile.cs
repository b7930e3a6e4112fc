using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Handoff.Teams;

/// <summary>One block of working time: <c>{"days":["Monday","Tuesday"],"start":"09:00","end":"17:00"}</c>, in the user's time zone.</summary>
public sealed record WorkingHours(IReadOnlyList<DayOfWeek> Days, TimeOnly Start, TimeOnly End);

/// <summary>A time the user is away (UTC, end exclusive); routing skips them.</summary>
public sealed record OutOfOffice(DateTime From, DateTime To, string? Note = null);

/// <summary>
/// When and how much a user can take new leads: working hours in their IANA time zone, out-of-office ranges, and a
/// cap on open leads. A user without a profile is always available and uncapped.
/// </summary>
public sealed class RoutingProfile
{
    private RoutingProfile()
    {
    }

    public Guid UserId { get; private set; }

    /// <summary>IANA id, e.g. <c>America/New_York</c>; working hours are read in it.</summary>
    public string TimeZone { get; private set; } = "UTC";

    /// <summary>Empty: any time.</summary>
    public List<WorkingHours> WorkingHours { get; private set; } = [];

    public List<OutOfOffice> OutOfOffice { get; private set; } = [];

    /// <summary>Most open leads this user may own; null: no cap.</summary>
    public int? Capacity { get; private set; }

    public DateTime UpdatedAt { get; private set; }

    public static RoutingProfile For(Guid userId) => new() { UserId = userId };

    public void Set(string timeZone, IEnumerable<WorkingHours> hours, IEnumerable<OutOfOffice> away, int? capacity, DateTime at)
    {
        TimeZone = timeZone;
        WorkingHours = hours.ToList();
        OutOfOffice = away.OrderBy(o => o.From).ToList();
        Capacity = capacity;
        UpdatedAt = at;
    }

    /// <summary>Null when the user can take a lead at <paramref name="at"/>; else why not, in words.</summary>
    public string? Unavailable(DateTime at)
    {
        foreach (var away in OutOfOffice)
        {
            if (away.From <= at && at < away.To)
            {
                return $"out of office until {away.To:yyyy-MM-dd HH:mm}Z" + (away.Note is null ? "" : $" ({away.Note})");
            }
        }

        if (WorkingHours.Count == 0)
        {
            return null;
        }

        var zone = TimeZoneInfo.FindSystemTimeZoneById(TimeZone);
        var local = TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(at, DateTimeKind.Utc), zone);
        var time = TimeOnly.FromDateTime(local);
        foreach (var block in WorkingHours)
        {
            if (block.Days.Contains(local.DayOfWeek) && block.Start <= time && time < block.End)
            {
                return null;
            }
        }

        return string.Create(CultureInfo.InvariantCulture, $"outside working hours (it is {local:ddd HH:mm} in {TimeZone})");
    }

    /// <summary>Whether <paramref name="id"/> is a time zone this machine knows (IANA ids on every platform .NET supports).</summary>
    public static bool IsKnownTimeZone(string id)
    {
        try
        {
            TimeZoneInfo.FindSystemTimeZoneById(id);
            return true;
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return false;
        }
    }
}

/// <summary>A list of records as a JSON array in one column.</summary>
internal sealed class JsonListConverter<T>() : ValueConverter<List<T>, string>(
    v => JsonSerializer.Serialize(v, JsonSerializerOptions.Web),
    v => JsonSerializer.Deserialize<List<T>>(v, JsonSerializerOptions.Web) ?? new List<T>());

internal sealed class JsonListComparer<T>() : ValueComparer<List<T>>(
    (a, b) => a!.SequenceEqual(b!),
    v => v.Aggregate(0, (h, s) => HashCode.Combine(h, s)),
    v => v.ToList());

internal sealed class RoutingProfileConfiguration : IEntityTypeConfiguration<RoutingProfile>
{
    public void Configure(EntityTypeBuilder<RoutingProfile> b)
    {
        b.HasKey(p => p.UserId);
        b.HasOne<User>().WithOne().HasForeignKey<RoutingProfile>(p => p.UserId).OnDelete(DeleteBehavior.Cascade);
        b.Property(p => p.TimeZone).HasMaxLength(100);
        b.Property(p => p.WorkingHours).HasMaxLength(4000)
            .HasConversion(new JsonListConverter<WorkingHours>(), new JsonListComparer<WorkingHours>());
        b.Property(p => p.OutOfOffice).HasMaxLength(8000)
            .HasConversion(new JsonListConverter<OutOfOffice>(), new JsonListComparer<OutOfOffice>());
    }
}
