using System.Text;
using Handoff.Integrations;

namespace Handoff.Import;

/// <summary>
/// The domain events of an import. The leads a batch creates are announced by one <c>leads.imported</c> event (the
/// import's id, the rows it covers and the ids of its new leads) rather than a <c>lead.created</c> event with the whole
/// lead per row: a million-row file would otherwise put a million lead-sized payloads (about 1.5 KB each, half of
/// what the import writes) into the outbox, and a million webhook calls on its subscribers. Merges into existing
/// leads keep their per-lead <c>lead.fields-updated</c> events.
/// </summary>
internal static class ImportEvents
{
    public const string LeadsImportedType = "leads.imported";

    /// <summary>
    /// <c>{"importId":…,"firstRow":2,"lastRow":5001,"leadIds":[…],"junkLeadIds":[…]}</c>: the leads created in New and
    /// those created straight into Junk by the hygiene screen, in file order.
    /// </summary>
    public static OutboxMessage LeadsImported(Guid importId, int firstRow, int lastRow, IReadOnlyList<Guid> leadIds, IReadOnlyList<Guid> junkLeadIds, DateTime at)
    {
        var json = new StringBuilder(64 + (leadIds.Count + junkLeadIds.Count) * 39);
        json.Append($"{{\"importId\":\"{importId}\",\"firstRow\":{firstRow},\"lastRow\":{lastRow}");
        Ids("leadIds", leadIds);
        Ids("junkLeadIds", junkLeadIds);
        json.Append('}');
        return OutboxMessage.Create(LeadsImportedType, importId, json.ToString(), at);

        void Ids(string name, IReadOnlyList<Guid> ids)
        {
            json.Append(",\"").Append(name).Append("\":[");
            for (var i = 0; i < ids.Count; i++)
            {
                json.Append(i == 0 ? "\"" : ",\"").Append($"{ids[i]}").Append('"');
            }

            json.Append(']');
        }
    }
}
