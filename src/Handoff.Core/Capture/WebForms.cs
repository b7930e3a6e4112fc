using System.Net;
using Handoff.Activities;
using Handoff.Common;
using Handoff.Data;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Capture;

public sealed record WebFormRequest(
    string Name,
    IReadOnlyList<string>? AllowedOrigins = null,
    IReadOnlyList<string>? ReturnUrls = null,
    Dictionary<string, string>? FieldMap = null,
    string? HoneypotField = null,
    bool RequiresPerson = false,
    ActivityType ActivityType = ActivityType.FormSubmit,
    string? Source = null);

public sealed record WebFormView(
    Guid Id,
    string Key,
    string Name,
    string PostUrl,
    IReadOnlyList<string> AllowedOrigins,
    IReadOnlyList<string> ReturnUrls,
    IReadOnlyDictionary<string, string> FieldMap,
    string HoneypotField,
    bool RequiresPerson,
    ActivityType ActivityType,
    string? Source,
    bool IsActive);

/// <summary>Creating and reading hosted forms, and the embed snippet a website pastes.</summary>
public sealed class WebForms(HandoffDb db, TimeProvider clock)
{
    public async Task<Result<WebFormView>> CreateAsync(WebFormRequest request, CancellationToken ct)
    {
        var errors = new FieldErrors();
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Trim().Length > 200)
        {
            errors.Add("name", "is required, at most 200 characters");
        }

        foreach (var origin in request.AllowedOrigins ?? [])
        {
            if (WebForm.OriginOf(origin) is null)
            {
                errors.Add("allowedOrigins", $"'{origin}' is not an origin such as https://www.example.com: a scheme and a host (and a port), no path, query or user, as browsers send it");
            }
        }

        foreach (var url in request.ReturnUrls ?? [])
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                errors.Add("returnUrls", $"'{url}' is not an absolute http(s) URL");
            }
        }

        if (request.FieldMap is { Count: > 200 })
        {
            errors.Add("fieldMap", "at most 200 mapped fields");
        }

        CheckFieldMap(request.FieldMap ?? [], errors);
        CheckHoneypot(request, errors);

        if (errors.Any)
        {
            return errors.ToError();
        }

        var form = WebForm.Create(
            request.Name, request.AllowedOrigins ?? [], request.ReturnUrls ?? [], request.FieldMap ?? [],
            request.HoneypotField, request.RequiresPerson, request.ActivityType, request.Source, clock.GetUtcNow().UtcDateTime);
        db.WebForms.Add(form);
        await db.SaveChangesAsync(ct);
        return View(form);
    }

    /// <summary>Each form field is mapped once, to a lead field a post can fill; a field that steers the post cannot be mapped.</summary>
    private static void CheckFieldMap(Dictionary<string, string> fieldMap, FieldErrors errors)
    {
        foreach (var (name, target) in fieldMap)
        {
            var field = name.Trim();
            if (field.Length is 0 or > 100)
            {
                errors.Add("fieldMap", $"'{name}': a form field's name must be 1 to 100 characters");
            }
            else if (FormSubmission.SteersThePost(field))
            {
                errors.Add($"fieldMap.{field}", $"'{field}' steers the post (a return URL, a visitor id, a character set) and is never read as a field of the person");
            }
            else if (string.IsNullOrWhiteSpace(target) || !FormSubmission.IsLeadField(target.Trim()))
            {
                errors.Add($"fieldMap.{field}", $"'{target}' is not a lead field a form can fill; use one of {string.Join(", ", FormSubmission.LeadFields)}");
            }
        }

        foreach (var twice in fieldMap.Keys.GroupBy(k => k.Trim(), StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
        {
            errors.Add("fieldMap", $"'{twice.Key}' is mapped more than once (field names are compared without case)");
        }
    }

    /// <summary>
    /// The honeypot is a field no person fills: a name that a real field of the form uses (a lead field, a field the
    /// map sends to one, a field that steers the post) would send every real post to Junk.
    /// </summary>
    private static void CheckHoneypot(WebFormRequest request, FieldErrors errors)
    {
        if (string.IsNullOrWhiteSpace(request.HoneypotField))
        {
            return;
        }

        var honeypot = request.HoneypotField.Trim();
        var why = honeypot.Length > 100 ? "is longer than 100 characters"
            : FormSubmission.IsLeadField(honeypot) ? "is the name of a lead field, which people fill in"
            : request.FieldMap?.Keys.Any(k => string.Equals(k.Trim(), honeypot, StringComparison.OrdinalIgnoreCase)) == true ? "is a field of this form that fieldMap sends to a lead field"
            : FormSubmission.SteersThePost(honeypot) ? "is a field that steers the post (a return URL, a visitor id, a character set)"
            : null;
        if (why is not null)
        {
            errors.Add("honeypotField", $"'{honeypot}' {why}: every real post would be taken for a bot; use a name no real field has, such as {WebForm.DefaultHoneypot}");
        }
    }

    public async Task<IReadOnlyList<WebFormView>> ListAsync(CancellationToken ct) =>
        (await db.WebForms.AsNoTracking().OrderBy(f => f.Name).ToListAsync(ct)).Select(View).ToList();

    public async Task<Result<WebFormView>> GetAsync(Guid id, CancellationToken ct) =>
        await db.WebForms.AsNoTracking().FirstOrDefaultAsync(f => f.Id == id, ct) is { } form
            ? View(form)
            : new NotFoundError($"No form with id {id}.");

    public Task<WebForm?> FindActiveAsync(string key, CancellationToken ct) =>
        db.WebForms.AsNoTracking().FirstOrDefaultAsync(f => f.Key == key && f.IsActive, ct);

    /// <summary>A plain HTML form that posts to Handoff, with the honeypot hidden from people.</summary>
    public static string EmbedSnippet(WebFormView form, string baseUrl)
    {
        var action = WebUtility.HtmlEncode(baseUrl.TrimEnd('/') + form.PostUrl);
        var returnUrl = form.ReturnUrls.Count > 0 ? $"\n  <input type=\"hidden\" name=\"retURL\" value=\"{WebUtility.HtmlEncode(form.ReturnUrls[0])}\">" : "";
        return $$"""
            <form action="{{action}}" method="POST">{{returnUrl}}
              <label>First name <input name="first_name" autocomplete="given-name"></label>
              <label>Last name <input name="last_name" autocomplete="family-name" required></label>
              <label>Work email <input name="email" type="email" autocomplete="email" required></label>
              <label>Company <input name="company" autocomplete="organization"></label>
              <label>Job title <input name="title" autocomplete="organization-title"></label>
              <label>Phone <input name="phone" type="tel" autocomplete="tel"></label>
              <div style="position:absolute;left:-10000px" aria-hidden="true"><input name="{{WebUtility.HtmlEncode(form.HoneypotField)}}" tabindex="-1" autocomplete="off"></div>
              <button type="submit">Send</button>
            </form>
            <script>
              // Carries the visitor id and UTM parameters of the page into the post.
              (function (f) {
                var p = new URLSearchParams(location.search), k = 'handoff_vid', v = localStorage.getItem(k);
                if (!v) { v = (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2)); localStorage.setItem(k, v); }
                function add(n, val) { if (val) { var i = document.createElement('input'); i.type = 'hidden'; i.name = n; i.value = val; f.appendChild(i); } }
                add('visitor_id', v); add('page_url', location.href);
                ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'].forEach(function (n) { add(n, p.get(n)); });
              })(document.currentScript.previousElementSibling);
            </script>
            """;
    }

    private static WebFormView View(WebForm f) => new(
        f.Id, f.Key, f.Name, $"/f/{f.Key}", f.AllowedOrigins, f.ReturnUrls, f.FieldMap, f.HoneypotField, f.RequiresPerson, f.ActivityType, f.Source, f.IsActive);
}
