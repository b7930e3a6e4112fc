using Handoff.Teams;

namespace Handoff.Core.Tests.Routing;

public class RoutingProfileTests
{
    private static readonly DayOfWeek[] Weekdays = [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday];

    private static RoutingProfile Profile(string zone, params OutOfOffice[] away)
    {
        var profile = RoutingProfile.For(Guid.NewGuid());
        profile.Set(zone, [new WorkingHours(Weekdays, new TimeOnly(9, 0), new TimeOnly(17, 0))], away, null, DateTime.UtcNow);
        return profile;
    }

    [Theory]
    [InlineData("2027-01-04T14:00:00Z", null)] // Monday 09:00 in New York (EST, UTC-5)
    [InlineData("2027-01-04T13:59:00Z", "outside working hours (it is Mon 08:59 in America/New_York)")]
    [InlineData("2027-01-04T22:00:00Z", "outside working hours (it is Mon 17:00 in America/New_York)")] // the end is exclusive
    [InlineData("2027-07-05T13:00:00Z", null)] // Monday 09:00 in summer (EDT, UTC-4)
    [InlineData("2027-01-09T15:00:00Z", "outside working hours (it is Sat 10:00 in America/New_York)")]
    public void WorkingHours_AreReadInTheUsersTimeZone_AcrossDaylightSaving(string utc, string? expected)
    {
        var at = DateTime.Parse(utc, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal);

        Assert.Equal(expected, Profile("America/New_York").Unavailable(at));
    }

    [Fact]
    public void OutOfOffice_CoversItsRange_EndExclusive_AndWinsOverWorkingHours()
    {
        var from = new DateTime(2027, 1, 4, 0, 0, 0, DateTimeKind.Utc);
        var to = new DateTime(2027, 1, 6, 0, 0, 0, DateTimeKind.Utc);
        var profile = Profile("Europe/Berlin", new OutOfOffice(from, to, "conference"));

        Assert.Equal("out of office until 2027-01-06 00:00Z (conference)", profile.Unavailable(from.AddHours(10)));
        Assert.Null(profile.Unavailable(to.AddHours(10)));
        Assert.Equal("outside working hours (it is Wed 06:00 in Europe/Berlin)", profile.Unavailable(to.AddHours(5)));
    }

    [Fact]
    public void NoWorkingHours_MeansAlwaysAvailable_AndUnknownZonesAreRefused()
    {
        var profile = RoutingProfile.For(Guid.NewGuid());

        Assert.Null(profile.Unavailable(new DateTime(2027, 1, 9, 3, 0, 0, DateTimeKind.Utc)));
        Assert.True(RoutingProfile.IsKnownTimeZone("Asia/Kolkata"));
        Assert.False(RoutingProfile.IsKnownTimeZone("Mars/Olympus_Mons"));
    }

    [Fact]
    public void StrideRotation_KeepsEqualMembersWithinOne_AndANewcomerIsNotOwedABacklog()
    {
        var team = Guid.NewGuid();
        var at = DateTime.UtcNow;
        var members = Enumerable.Range(0, 3).Select(i => TeamMember.Join(team, Guid.NewGuid(), 1, null, null, null, 0, at.AddSeconds(i))).ToList();
        for (var i = 0; i < 10; i++)
        {
            Next(members).Picked(1);
        }

        Assert.True(members.Max(m => m.Assigned) - members.Min(m => m.Assigned) <= 1);

        var newcomer = TeamMember.Join(team, Guid.NewGuid(), 1, null, null, null, members.Min(m => m.Pass), at.AddMinutes(1));
        members.Add(newcomer);
        var picks = Enumerable.Range(0, 4).Select(_ =>
        {
            var next = Next(members);
            next.Picked(1);
            return next;
        }).ToList();

        Assert.Equal(4, picks.Distinct().Count());
    }

    private static TeamMember Next(List<TeamMember> members) => members.OrderBy(m => m.Pass).ThenBy(m => m.JoinedAt).First();
}
