using System.Text.Json;
using Handoff.Common;
using Handoff.Enrichment;
using Handoff.Leads;

namespace Handoff.Import;

/// <summary>What is wrong with one row: the CSV column (null for the whole row), why, and the value as found.</summary>
public sealed record RowProblem(string? Column, string Reason, string? Value);

/// <summary>
/// Which column of a CSV file feeds which lead field. Recognizes the headers of Salesforce lead exports (labels and
/// API names), HubSpot contact exports and Handoff's own field names; an explicit mapping (CSV header → field,
/// <c>custom:&lt;name&gt;</c> or <c>ignore</c>) overrides them column by column; the other columns become custom
/// fields, or are ignored.
/// </summary>
public sealed class ImportMapping
{
    public const string Ignore = "ignore";
    public const string CustomPrefix = "custom:";

    /// <summary>Every field a column can feed, by its wire name (as in <see cref="LeadDetails"/>).</summary>
    private static readonly string[] FieldNames =
        Enum.GetNames<LeadField>().Select(n => char.ToLowerInvariant(n[0]) + n[1..]).ToArray();

    /// <summary>The fields a column can feed: those of <see cref="LeadDetails"/>, a second phone and an opt-out.</summary>
    private enum LeadField
    {
        FirstName, LastName, Email, Phone, Mobile, Company, Title, Website, Industry, EmployeeCount, Country, State,
        City, Description, Source, Channel, Campaign, UtmSource, UtmMedium, UtmCampaign, UtmTerm, UtmContent,
        EmailConsent, EmailOptOut,
    }

    /// <summary>
    /// Header names as exported by Salesforce (labels and API names), HubSpot and others, compared in
    /// <see cref="Key"/> form (lower case, letters and digits only), so that "No. of Employees", "NumberOfEmployees"
    /// and "number_of_employees" are one name. Handoff's own field names match themselves.
    /// </summary>
    private static readonly Dictionary<string, string> Known = BuildKnown(new()
    {
        ["firstName"] = ["first", "fname", "givenname"],
        ["lastName"] = ["last", "lname", "surname", "familyname"],
        ["email"] = ["emailaddress", "workemail", "businessemail"],
        ["phone"] = ["phonenumber", "telephone", "businessphone", "workphone"],
        ["mobile"] = ["mobilephone", "mobilephonenumber", "mobilenumber", "cellphone"],
        ["company"] = ["companyname", "organization", "organisation", "accountname", "companyaccount"],
        ["title"] = ["jobtitle", "position"],
        ["website"] = ["websiteurl", "url", "companywebsite", "companydomainname"],
        ["employeeCount"] = ["noofemployees", "numberofemployees", "employees", "numemployees", "companysize"],
        ["country"] = ["countryregion", "countrycode"],
        ["state"] = ["stateprovince", "stateregion", "province", "statecode"],
        ["description"] = ["message", "comments"],
        ["source"] = ["leadsource", "originalsource"],
        ["campaign"] = ["campaignname"],
        ["emailConsent"] = ["emailoptin", "consent", "marketingconsent"],
        ["emailOptOut"] = ["hasoptedoutofemail", "unsubscribedfromallemail", "donotemail"],
    });

    private readonly Target[] _targets;

    private ImportMapping(IReadOnlyList<ColumnMapping> columns)
    {
        Columns = columns;
        _targets = columns.Select(c => Target.Parse(c.Target)).ToArray();
    }

    /// <summary>The mapping, one entry per column of the file, in file order.</summary>
    public IReadOnlyList<ColumnMapping> Columns { get; }

    /// <summary>A mapping as stored in a job: every column already resolved.</summary>
    public static ImportMapping FromColumns(IReadOnlyList<ColumnMapping> columns) => new(columns);

    /// <summary>Parses the explicit mapping of a request: a JSON object of CSV header → target.</summary>
    public static Result<Dictionary<string, string>?> ParseExplicit(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return (Dictionary<string, string>?)null;
        }

        try
        {
            var mapping = JsonSerializer.Deserialize<Dictionary<string, string>>(json);
            if (mapping is null)
            {
                return ValidationError.For("mapping", "must be a JSON object such as {\"E-mail\": \"email\", \"Notes\": \"custom:notes\", \"Id\": \"ignore\"}");
            }

            return mapping;
        }
        catch (JsonException)
        {
            return ValidationError.For("mapping", "must be a JSON object of CSV column name to lead field, \"custom:<name>\" or \"ignore\", e.g. {\"E-mail\": \"email\"}");
        }
    }

    /// <summary>
    /// Resolves the target of every column: the explicit mapping first, then the recognized names, then
    /// <paramref name="keepUnmapped"/> (a custom field named after the header) or ignore.
    /// </summary>
    public static Result<ImportMapping> Resolve(IReadOnlyList<string> headers, IReadOnlyDictionary<string, string>? explicitMapping, bool keepUnmapped)
    {
        var errors = new FieldErrors();
        var explicitTargets = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var named = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (header, target) in explicitMapping ?? new Dictionary<string, string>())
        {
            // A header cell with a line break is known by its name with the break as a space; the mapping may name it either way.
            var name = ImportFile.HeaderName(header).Trim();
            if (!headers.Any(h => string.Equals(h.Trim(), name, StringComparison.OrdinalIgnoreCase)))
            {
                errors.Add($"mapping.{header}", $"the file has no column '{header}'; its columns are: {string.Join(", ", headers)}");
            }
            else if (!named.Add(name))
            {
                // JSON keys that differ only in case (or in a header's line break) name one column: the last would win unseen.
                errors.Add($"mapping.{header}", $"names the column '{name}' a second time (columns are named without regard to case); map each column once");
            }
            else if ((target is null ? null : Canonical(target)) is { } canonical)
            {
                explicitTargets[name] = canonical;
            }
            else
            {
                errors.Add(
                    $"mapping.{header}",
                    $"{(target is null ? "null" : $"'{target}'")} is not a target; use one of {string.Join(", ", FieldNames)}, \"custom:<name>\" (1 to 100 characters) or \"ignore\"");
            }
        }

        var columns = new List<ColumnMapping>(headers.Count);
        foreach (var header in headers)
        {
            var name = header.Trim();
            var target = explicitTargets.TryGetValue(name, out var chosen) ? chosen
                : Known.TryGetValue(Key(name), out var known) ? known
                : keepUnmapped && name.Length > 0 ? CustomPrefix + ImportJob.Clip(name, 100)
                : Ignore;
            columns.Add(new ColumnMapping(header, target));
        }

        var custom = columns.Where(c => c.Target.StartsWith(CustomPrefix, StringComparison.Ordinal)).Select(c => c.Target).Distinct().Count();
        if (custom > LeadDetails.MaxCustomFields)
        {
            errors.Add(
                "mapping",
                $"the file has {custom} columns that would become custom fields; a lead has at most {LeadDetails.MaxCustomFields}: map some to \"ignore\", or ignore unmapped columns");
        }

        return errors.Any ? errors.ToError() : new ImportMapping(columns);
    }

    /// <summary>
    /// Turns one row into lead details, normalized and validated. Values that do not parse (a number of employees,
    /// a yes/no) and every validation failure are problems, named by their CSV column; a row gets all of them.
    /// </summary>
    public (LeadDetails? Details, List<RowProblem>? Problems) Map(IReadOnlyList<string> values)
    {
        var fields = new string?[FieldNames.Length];
        var fieldColumns = new int[FieldNames.Length];
        Dictionary<string, string>? custom = null;
        Dictionary<string, int>? customColumns = null;
        List<RowProblem>? problems = null;
        int? employees = null;
        bool? consent = null;

        for (var i = 0; i < _targets.Length && i < values.Count; i++)
        {
            var value = values[i];
            if (string.IsNullOrWhiteSpace(value))
            {
                continue;
            }

            var target = _targets[i];
            if (target.Custom is { } customName)
            {
                custom ??= new Dictionary<string, string>(StringComparer.Ordinal);
                customColumns ??= new Dictionary<string, int>(StringComparer.Ordinal);
                if (custom.TryAdd(customName, value))
                {
                    customColumns[customName] = i;
                }

                continue;
            }

            if (target.Field is not { } field || fields[field] is not null)
            {
                continue; // ignored, or an earlier column already gave this field a value
            }

            fields[field] = value;
            fieldColumns[field] = i;
            switch ((LeadField)field)
            {
                case LeadField.EmployeeCount:
                    employees = CompanySize.Parse(value);
                    if (employees is null)
                    {
                        (problems ??= []).Add(new RowProblem(Columns[i].Column, "must be a whole number such as 250, or a range such as 51-200", value));
                    }

                    break;
                case LeadField.EmailConsent or LeadField.EmailOptOut:
                    if (ParseYesNo(value) is { } yes)
                    {
                        // An opt-out anywhere wins over an opt-in. "Not opted out" (Salesforce's and HubSpot's default for
                        // everyone) says nothing of consent: no opt-in is made up from it.
                        if ((LeadField)field == LeadField.EmailOptOut)
                        {
                            consent = yes ? false : consent;
                        }
                        else
                        {
                            consent = consent == false ? false : yes;
                        }
                    }
                    else
                    {
                        (problems ??= []).Add(new RowProblem(Columns[i].Column, "must be yes/no, true/false or 1/0", value));
                    }

                    break;
            }
        }

        // A value that did not parse is left out of the details, which are validated all the same: the row's report
        // names every problem it has, not only the first kind found.
        var details = new LeadDetails
        {
            FirstName = Field(LeadField.FirstName),
            LastName = Field(LeadField.LastName),
            Email = Field(LeadField.Email),
            Phone = Field(LeadField.Phone) ?? Field(LeadField.Mobile),
            Company = Field(LeadField.Company),
            Title = Field(LeadField.Title),
            Website = Field(LeadField.Website),
            Industry = Field(LeadField.Industry),
            EmployeeCount = employees,
            Country = Field(LeadField.Country),
            State = Field(LeadField.State),
            City = Field(LeadField.City),
            Description = Field(LeadField.Description),
            Source = Field(LeadField.Source) ?? "Import",
            Channel = Field(LeadField.Channel),
            Campaign = Field(LeadField.Campaign),
            UtmSource = Field(LeadField.UtmSource),
            UtmMedium = Field(LeadField.UtmMedium),
            UtmCampaign = Field(LeadField.UtmCampaign),
            UtmTerm = Field(LeadField.UtmTerm),
            UtmContent = Field(LeadField.UtmContent),
            EmailConsent = consent,
            CustomFields = custom,
        }.Normalize();

        var errors = new FieldErrors();
        details.Validate(errors);
        if (!errors.Any)
        {
            return problems is null ? (details, null) : (null, problems);
        }

        problems ??= [];
        foreach (var (field, messages) in errors.ToError().Fields)
        {
            var column = ColumnOf(field);
            foreach (var message in messages)
            {
                problems.Add(new RowProblem(column is { } c ? Columns[c].Column : null, message, column is { } v && v < values.Count ? values[v] : null));
            }
        }

        return (null, problems);

        string? Field(LeadField name) => fields[(int)name];

        int? ColumnOf(string validationField)
        {
            if (validationField.StartsWith("customFields.", StringComparison.Ordinal))
            {
                return customColumns is not null && customColumns.TryGetValue(validationField["customFields.".Length..], out var c) ? c : null;
            }

            string[] candidates = validationField == "phone" ? ["phone", "mobile"] : [validationField];
            foreach (var candidate in candidates)
            {
                var index = Array.IndexOf(FieldNames, candidate);
                if (index >= 0 && fields[index] is not null)
                {
                    return fieldColumns[index];
                }
            }

            // A field with no value (the "needs an email, a phone or a name" rule): name the column that feeds it.
            var target = Array.IndexOf(FieldNames, validationField);
            var mapped = target < 0 ? -1 : Array.FindIndex(_targets, t => t.Field == target);
            return mapped >= 0 ? mapped : null;
        }
    }

    /// <summary>A header in comparison form: lower case, letters and digits only.</summary>
    internal static string Key(string header) =>
        string.Concat(header.Where(char.IsLetterOrDigit)).ToLowerInvariant();

    private static string? Canonical(string target)
    {
        var trimmed = target.Trim();
        if (trimmed.Equals(Ignore, StringComparison.OrdinalIgnoreCase))
        {
            return Ignore;
        }

        if (trimmed.StartsWith(CustomPrefix, StringComparison.OrdinalIgnoreCase))
        {
            var name = trimmed[CustomPrefix.Length..].Trim();
            return name.Length is > 0 and <= 100 ? CustomPrefix + name : null;
        }

        return FieldNames.FirstOrDefault(f => f.Equals(trimmed, StringComparison.OrdinalIgnoreCase));
    }

    private static bool? ParseYesNo(string value) => value.Trim().ToLowerInvariant() switch
    {
        "true" or "yes" or "y" or "1" or "on" or "checked" => true,
        "false" or "no" or "n" or "0" or "off" => false,
        _ => null,
    };

    private static Dictionary<string, string> BuildKnown(Dictionary<string, string[]> aliases)
    {
        var known = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var field in FieldNames)
        {
            known[Key(field)] = field;
        }

        foreach (var (field, names) in aliases)
        {
            foreach (var name in names)
            {
                known[name] = field;
            }
        }

        return known;
    }

    /// <summary>A column's target, parsed once: a field index, a custom field name, or neither (ignored).</summary>
    private readonly record struct Target(int? Field, string? Custom)
    {
        public static Target Parse(string target)
        {
            if (target.StartsWith(CustomPrefix, StringComparison.Ordinal))
            {
                return new Target(null, target[CustomPrefix.Length..]);
            }

            var index = Array.IndexOf(FieldNames, target);
            return new Target(index >= 0 ? index : null, null);
        }
    }
}
