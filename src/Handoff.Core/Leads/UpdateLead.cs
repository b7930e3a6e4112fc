using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Handoff.Accounts;
using Handoff.Common;
using Handoff.Data;
using Handoff.Enrichment;

namespace Handoff.Leads;

/// <summary>
/// Edits a lead's fields with JSON merge-patch semantics (RFC 7396): a field present sets it, null clears it,
/// absent leaves it. Stage, owner, scores and ids are refused: they move only through their own use cases.
/// </summary>
public sealed class UpdateLead(HandoffDb db, TimeProvider clock, LeadEnricher enricher, LeadAutomations automations)
{
    private static readonly Dictionary<string, string> Refused = new(StringComparer.OrdinalIgnoreCase)
    {
        ["id"] = "the id of a lead never changes",
        ["stage"] = "change the stage with POST /api/leads/{id}/transitions",
        ["stageReason"] = "the reason is given with the transition",
        ["stageEnteredAt"] = "set by transitions",
        ["wakeAt"] = "the wake date is given with the transition to Nurture",
        ["owner"] = "reassign with PUT /api/leads/{id}/owner",
        ["ownerId"] = "reassign with PUT /api/leads/{id}/owner",
        ["ownerKind"] = "reassign with PUT /api/leads/{id}/owner",
        ["accountId"] = "accounts are matched by domain",
        ["fitScore"] = "scores are computed by the scoring model",
        ["engagementScore"] = "scores are computed by the scoring model",
        ["score"] = "scores are computed by the scoring model",
        ["version"] = "send the version you read in the If-Match header",
        ["createdAt"] = "set at capture",
        ["updatedAt"] = "set on every change",
        ["nextStages"] = "derived from the stage",
    };

    private static readonly JsonSerializerOptions Strict = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public async Task<Result<LeadView>> HandleAsync(Guid id, JsonObject patch, int? expectedVersion, Actor actor, CancellationToken ct)
    {
        var errors = new FieldErrors();
        foreach (var (name, _) in patch)
        {
            if (Refused.TryGetValue(name, out var why))
            {
                errors.Add(name, $"cannot be set through PATCH: {why}");
            }
        }

        if (errors.Any)
        {
            return errors.ToError();
        }

        var loaded = await LeadChanges.LoadAsync(db, id, expectedVersion, ct);
        if (loaded.Error is { } notLoaded)
        {
            return notLoaded;
        }

        var lead = loaded.Value!;
        var current = JsonSerializer.SerializeToNode(lead.Details, Strict)!.AsObject();
        Merge(current, patch);
        LeadDetails details;
        try
        {
            details = current.Deserialize<LeadDetails>(Strict)!;
        }
        catch (JsonException e)
        {
            var (field, message) = JsonErrors.Explain(e, typeof(LeadDetails));
            return ValidationError.For(field, message);
        }
        catch (InvalidOperationException)
        {
            // System.Text.Json refuses strings with unpaired surrogates only when it materializes them.
            return ValidationError.For("body", "contains a string that is not valid Unicode");
        }

        details = details.Normalize();
        details.Validate(errors);
        if (errors.Any)
        {
            return errors.ToError();
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var enrichment = enricher.Of(details);
        var entry = lead.Update(details, actor, now, enrichment);
        if (entry is not null)
        {
            // An edit that gives the lead a work email or a website links it as a capture would have.
            if (lead.AccountId is null && await AccountMatch.FindAsync(db, enrichment, ct) is { } account)
            {
                lead.LinkAccount(account);
            }

            db.AuditEntries.Add(entry);
            LeadEvents.Audited(db, entry);
            await automations.RunAsync(new LeadChange(lead, actor, now) { FieldsChanged = true }, ct);
            if (await LeadChanges.SaveAsync(db, ct) is { } conflict)
            {
                return conflict;
            }
        }

        return LeadView.From(lead);
    }

    /// <summary>RFC 7396: objects merge recursively, null removes, anything else replaces.</summary>
    private static void Merge(JsonObject target, JsonObject patch)
    {
        foreach (var (name, value) in patch)
        {
            var key = target.Select(p => p.Key).FirstOrDefault(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase)) ?? name;
            if (value is null)
            {
                target.Remove(key);
            }
            else if (value is JsonObject patchObject && target[key] is JsonObject targetObject)
            {
                Merge(targetObject, patchObject);
            }
            else
            {
                target[key] = value.DeepClone();
            }
        }
    }
}
