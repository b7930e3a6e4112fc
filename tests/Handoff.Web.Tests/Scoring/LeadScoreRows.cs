using Handoff.Data;
using Handoff.Scoring;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Web.Tests.Scoring;

/// <summary>
/// Sets score columns of leads straight in their table, as a test's setup: EF's ExecuteUpdate cannot update the table a
/// lead's scores are split into (it writes SQL naming the lead table's alias).
/// </summary>
internal static class LeadScoreRows
{
    /// <summary>
    /// Runs <c>UPDATE lead_scores SET <paramref name="assignments"/></c> for each lead (placeholders {0}… are
    /// <paramref name="values"/>); <paramref name="unscoredOnly"/> leaves leads that have a model version alone.
    /// </summary>
    public static async Task SetAsync(HandoffDb db, IEnumerable<Guid> leads, string assignments, bool unscoredOnly = false, params object[] values)
    {
        var sql = $"UPDATE {LeadScoreConfiguration.Table} SET {assignments} WHERE id = {{{values.Length}}}" + (unscoredOnly ? " AND score_model_version IS NULL" : "");
        foreach (var id in leads)
        {
            await db.Database.ExecuteSqlRawAsync(sql, [.. values, id]);
        }
    }

    /// <summary>The leads lose their scores' model version and state, as imported leads have none.</summary>
    public static Task ForgetAsync(HandoffDb db, IEnumerable<Guid> leads, string more = "") =>
        SetAsync(db, leads, "score_model_version = NULL, score_state = NULL" + more);
}
