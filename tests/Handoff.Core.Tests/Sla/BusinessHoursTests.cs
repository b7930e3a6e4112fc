using Handoff.Common;
using Handoff.Sla;

namespace Handoff.Core.Tests.Sla;

public class BusinessHoursTests
{
    private static readonly string[] Weekdays = ["monday", "tuesday", "wednesday", "thursday", "friday"];

    private static BusinessHours Calendar(string zone, string[]? periods = null, List<string?>? holidays = null, string[]? days = null)
    {
        var result = BusinessCalendar.Validate(new CalendarRequest(
            "Office", zone, (days ?? Weekdays).ToDictionary(d => d, _ => (periods ?? ["09:00-17:00"]).ToList()), holidays ?? []));
        Assert.True(result.IsSuccess, result.Error?.ToString());
        return result.Value!;
    }

    private static DateTime Utc(string text) => DateTime.SpecifyKind(DateTime.Parse(text, System.Globalization.CultureInfo.InvariantCulture), DateTimeKind.Utc);

    [Fact]
    public void OneBusinessHour_AfterFriday1630InBerlin_IsMonday0930()
    {
        var berlin = Calendar("Europe/Berlin");

        // Friday 2026-12-04 16:30 CET is 15:30 UTC; Monday 09:30 CET is 08:30 UTC.
        Assert.Equal(Utc("2026-12-07T08:30:00"), berlin.Add(Utc("2026-12-04T15:30:00"), TimeSpan.FromHours(1)));
    }

    [Fact]
    public void SameWallClockRule_InNewYork_GivesADifferentInstant()
    {
        var newYork = Calendar("America/New_York");

        // Friday 16:30 EST is 21:30 UTC; Monday 09:30 EST is 14:30 UTC.
        Assert.Equal(Utc("2026-12-07T14:30:00"), newYork.Add(Utc("2026-12-04T21:30:00"), TimeSpan.FromHours(1)));
    }

    [Fact]
    public void Holidays_AndTheWeekend_AreSkipped()
    {
        var berlin = Calendar("Europe/Berlin", holidays: ["2026-12-25"]);

        // Thursday 24 Dec 16:30 CET + 1 h: Friday 25 is a holiday, then the weekend: Monday 28 Dec 09:30 CET.
        Assert.Equal(Utc("2026-12-28T08:30:00"), berlin.Add(Utc("2026-12-24T15:30:00"), TimeSpan.FromHours(1)));
    }

    [Fact]
    public void AStartBeforeOpening_CountsFromOpening_AndALunchBreakIsSkipped()
    {
        var london = Calendar("Europe/London", ["09:00-12:00", "13:00-17:30"]);

        Assert.Equal(Utc("2026-12-07T09:30:00"), london.Add(Utc("2026-12-07T06:00:00"), TimeSpan.FromMinutes(30)));
        Assert.Equal(Utc("2026-12-07T13:30:00"), london.Add(Utc("2026-12-07T11:30:00"), TimeSpan.FromHours(1)));

        // One business day (3 h + 4.5 h) from Monday 10:00 ends Tuesday 10:00.
        Assert.Equal(Utc("2026-12-08T10:00:00"), london.Add(Utc("2026-12-07T10:00:00"), TimeSpan.FromHours(7.5)));
    }

    [Fact]
    public void AcrossTheEndOfDaylightSavingTime_WallClockHoursCount()
    {
        var berlin = Calendar("Europe/Berlin");

        // Friday 23 Oct 2026 16:00 CEST (14:00 UTC) + 2 h: 1 h on Friday, then Monday 26 Oct 10:00 CET (09:00 UTC).
        Assert.Equal(Utc("2026-10-26T09:00:00"), berlin.Add(Utc("2026-10-23T14:00:00"), TimeSpan.FromHours(2)));
    }

    [Fact]
    public void AroundTheClock_TheLongDayOfTheDstChange_HasTwentyFiveHours()
    {
        var allWeek = new[] { "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday" };
        var berlin = Calendar("Europe/Berlin", ["00:00-24:00"], days: allWeek);

        // Saturday 24 Oct 12:00 CEST (10:00 UTC) + 24 h is 10:00 UTC on Sunday: 11:00 on the wall clock, which went back.
        Assert.Equal(Utc("2026-10-25T10:00:00"), berlin.Add(Utc("2026-10-24T10:00:00"), TimeSpan.FromHours(24)));
        Assert.Equal(TimeSpan.FromHours(25), berlin.Between(Utc("2026-10-24T22:00:00"), Utc("2026-10-25T23:00:00")));
    }

    [Fact]
    public void Between_CountsOnlyWorkingTime()
    {
        var berlin = Calendar("Europe/Berlin");

        // Friday 16:00 CET → Monday 10:00 CET: one hour on Friday, one on Monday.
        Assert.Equal(TimeSpan.FromHours(2), berlin.Between(Utc("2026-12-04T15:00:00"), Utc("2026-12-07T09:00:00")));
        Assert.True(berlin.IsWorking(Utc("2026-12-07T09:00:00")));
        Assert.False(berlin.IsWorking(Utc("2026-12-05T12:00:00")));
    }

    [Fact]
    public void ADurationTheCalendarCannotReach_EndsAtTheHorizon_InsteadOfThrowing()
    {
        // A year of working time is about three and a half years of office hours: past the three-year search. A clock
        // of such a policy (saved before saving refused it) still starts, due at the horizon, and its capture succeeds.
        var start = Utc("2026-12-07T09:00:00");
        var office = Calendar("UTC", days: ["monday", "tuesday"]);

        Assert.Null(office.TryAdd(start, TimeSpan.FromDays(365)));
        Assert.Equal(start.AddDays(3 * 366), office.Add(start, TimeSpan.FromDays(365)));
        Assert.Equal(DateTimeKind.Utc, office.Add(DateTime.MaxValue.AddDays(-2), TimeSpan.FromDays(365)).Kind);
    }

    [Fact]
    public void AlwaysCalendar_IsCalendarTime()
    {
        var start = Utc("2026-12-05T23:50:00");

        Assert.Equal(start.AddMinutes(90), BusinessHours.Always.Add(start, TimeSpan.FromMinutes(90)));
    }

    [Fact]
    public void BadCalendars_NameEachBadField()
    {
        var result = BusinessCalendar.Validate(new CalendarRequest(
            "",
            "Mars/Olympus_Mons",
            new Dictionary<string, List<string>> { ["funday"] = ["09:00-17:00"], ["monday"] = ["17:00-09:00", "nine-five"], ["tuesday"] = ["09:00-13:00", "12:00-17:00"] },
            ["2026-02-30"]));

        var fields = Assert.IsType<ValidationError>(result.Error).Fields;
        Assert.Contains("name", fields.Keys);
        Assert.Contains("timeZone", fields.Keys);
        Assert.Contains("hours.funday", fields.Keys);
        Assert.Contains("hours.monday[0]", fields.Keys);
        Assert.Contains("hours.monday[1]", fields.Keys);
        Assert.Contains("hours.tuesday", fields.Keys);
        Assert.Contains("holidays[0]", fields.Keys);
    }

    [Fact]
    public void ACalendarWithNoWorkingTime_IsRefused()
    {
        var result = BusinessCalendar.Validate(new CalendarRequest("Never", "UTC", [], []));

        Assert.Contains("hours", Assert.IsType<ValidationError>(result.Error).Fields.Keys);
    }

    [Fact]
    public void Percentiles_InterpolateBetweenRanks()
    {
        var stats = IntervalStats.Of([10, 20, 30, 40, null, 50]);

        Assert.Equal(5, stats.Count);
        Assert.Equal(30, stats.MedianSeconds);
        Assert.Equal(46, stats.P90Seconds);
        Assert.Null(IntervalStats.Of([]).MedianSeconds);
    }
}
