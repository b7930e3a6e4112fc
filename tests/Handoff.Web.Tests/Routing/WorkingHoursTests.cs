using System.Net;
using System.Net.Http.Json;
using Handoff.Web.Tests.Infrastructure;

namespace Handoff.Web.Tests.Routing;

/// <summary>Working hours are read in each rep's own time zone, at the app's (movable) business time.</summary>
public abstract class WorkingHoursTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : HandoffApp
{
    [Fact]
    public async Task RepOutsideTheirWorkingHours_IsSkipped_InTheirOwnTimeZone()
    {
        var client = app.Admin();
        var tokyo = await client.UserAsync("Haruto Sato");
        var newYork = await client.UserAsync("Olivia Bennett");
        var team = await client.TeamAsync("Global SDRs");
        await client.MemberAsync(team, tokyo);
        await client.MemberAsync(team, newYork);
        var weekdays = new[] { "Monday", "Tuesday", "Wednesday", "Thursday", "Friday" };
        foreach (var (user, zone) in new[] { (tokyo, "Asia/Tokyo"), (newYork, "America/New_York") })
        {
            var set = await client.PutAsJsonAsync($"/api/users/{user}/routing", new
            {
                timeZone = zone,
                workingHours = new[] { new { days = weekdays, start = "09:00", end = "17:00" } },
            });
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        }

        await client.RulesAsync(RoutingSetup.Everything(RoutingSetup.Team(team)));

        // Monday 15:00 UTC: 10:00 in New York, 00:00 on Tuesday in Tokyo.
        app.Clock.SetUtcNow(new DateTimeOffset(2027, 1, 4, 15, 0, 0, TimeSpan.Zero));
        var first = await client.CaptureAsync();
        Assert.Equal(newYork, first.OwnerId());
        Assert.Equal(newYork, (await client.CaptureAsync()).OwnerId());
        var why = (await client.AssignmentsAsync(first.Id())).Single()!["why"]!.AsArray().Select(w => w!.GetValue<string>());
        Assert.Contains(why, w => w == "Haruto Sato skipped: outside working hours (it is Tue 00:00 in Asia/Tokyo)");

        // Tuesday 00:30 UTC: 09:30 in Tokyo, 19:30 on Monday in New York.
        app.Clock.Advance(TimeSpan.FromHours(9.5));
        Assert.Equal(tokyo, (await client.CaptureAsync()).OwnerId());
        Assert.Equal(tokyo, (await client.CaptureAsync()).OwnerId());

        // Saturday: nobody works, so the lead waits in the fallback queue.
        app.Clock.Advance(TimeSpan.FromDays(4));
        Assert.Equal("Queue", (await client.CaptureAsync())["owner"]!["kind"]!.GetValue<string>());
    }
}

public sealed class WorkingHoursTests_Sqlite(ClockedSqliteApp app) : WorkingHoursTests<ClockedSqliteApp>(app);

public sealed class WorkingHoursTests_Postgres(ClockedPostgresApp app) : WorkingHoursTests<ClockedPostgresApp>(app);
