using System.Text.Json;
using Handoff.Common;

namespace Handoff.Import;

/// <summary>Where an import job is.</summary>
public enum ImportStatus
{
    /// <summary>Waiting for a runner: new, or interrupted and ready to resume from its checkpoint.</summary>
    Pending,

    /// <summary>A runner holds its lease and is importing batches.</summary>
    Running,
    Completed,

    /// <summary>Stopped by an error; uploading the same file again resumes it from its checkpoint.</summary>
    Failed,
}

/// <summary>How many rows of an import went where. Every row seen lands in exactly one of the five counts.</summary>
public readonly record struct ImportCounts(int TotalRows, int Imported, int Merged, int Duplicates, int Rejected, int Junk)
{
    public static ImportCounts operator +(ImportCounts a, ImportCounts b) => new(
        a.TotalRows + b.TotalRows, a.Imported + b.Imported, a.Merged + b.Merged,
        a.Duplicates + b.Duplicates, a.Rejected + b.Rejected, a.Junk + b.Junk);

    public ImportCounts Add(ImportCounts other) => this + other;
}

/// <summary>
/// A CSV file being imported as leads. The file is kept under <c>&lt;DataDirectory&gt;/imports/&lt;id&gt;.csv</c> until the
/// job completes. Each batch of rows commits together with the counts and the checkpoint (the last row it covered),
/// so a job that was interrupted resumes after its last committed batch: no row lost, none imported twice.
/// </summary>
public sealed class ImportJob
{
    private ImportJob()
    {
    }

    public Guid Id { get; private set; }
    public string FileName { get; private set; } = "";

    /// <summary>SHA-256 of the file (lower-case hex): the same file uploaded again finds this job.</summary>
    public string Sha256 { get; private set; } = "";
    public long FileSize { get; private set; }

    /// <summary>JSON array of <see cref="ColumnMapping"/>: the mapping used, one entry per column of the file.</summary>
    public string Mapping { get; private set; } = "[]";
    public ImportStatus Status { get; private set; }

    /// <summary>
    /// Whether the import runs the lead automations on its leads (score, MQL check, routing, SLA clocks), as a capture
    /// does; false: it only inserts (owned by the fallback queue, unscored until the rescore worker gets to them).
    /// </summary>
    public bool Automation { get; private set; } = true;

    public int TotalRows { get; private set; }

    /// <summary>Rows that created a new lead.</summary>
    public int Imported { get; private set; }

    /// <summary>Rows merged into an open lead that existed before the import.</summary>
    public int Merged { get; private set; }

    /// <summary>Rows whose person appeared earlier in the same file; merged into that occurrence's lead.</summary>
    public int Duplicates { get; private set; }
    public int Rejected { get; private set; }

    /// <summary>Rows that became leads in Junk.</summary>
    public int Junk { get; private set; }

    /// <summary>
    /// The last committed row, numbered as a spreadsheet shows it (the header is row 1, see
    /// <see cref="ImportRowError.RowNumber"/>); resuming finds it by <see cref="BytesCommitted"/>.
    /// </summary>
    public int LastCommittedRow { get; private set; }

    /// <summary>How far into the file the committed rows reach, in bytes: progress, and the resume checkpoint.</summary>
    public long BytesCommitted { get; private set; }

    public DateTime CreatedAt { get; private set; }
    public DateTime? StartedAt { get; private set; }
    public DateTime? FinishedAt { get; private set; }
    public string? Error { get; private set; }
    public string CreatedBy { get; private set; } = "";

    /// <summary>The runner (process) importing the job while it is Running, and until when its lease holds.</summary>
    public string? RunnerId { get; private set; }
    public DateTime? LeaseUntil { get; private set; }

    public ImportCounts Counts => new(TotalRows, Imported, Merged, Duplicates, Rejected, Junk);

    /// <summary>The author of the leads and history entries the import writes.</summary>
    public Actor Actor => new(ActorKind.Integration, "import:" + Id, Clip("Import " + FileName, 200));

    internal static ImportJob Create(Guid id, string fileName, string sha256, long fileSize, IReadOnlyList<ColumnMapping> mapping, Actor createdBy, DateTime at, bool automation = true) => new()
    {
        Automation = automation,
        Id = id,
        FileName = Clip(fileName, 255),
        Sha256 = sha256,
        FileSize = fileSize,
        Mapping = JsonSerializer.Serialize(mapping, ImportJson.Options),
        Status = ImportStatus.Pending,
        CreatedAt = at,
        CreatedBy = Clip(createdBy.Id, 100),
    };

    public IReadOnlyList<ColumnMapping> Columns() =>
        JsonSerializer.Deserialize<List<ColumnMapping>>(Mapping, ImportJson.Options) ?? [];

    /// <summary>Whether the job stopped without finishing: it failed, or its runner vanished (lease expired).</summary>
    public bool IsStalled(DateTime now) =>
        Status == ImportStatus.Failed || (Status == ImportStatus.Running && LeaseUntil < now);

    /// <summary>Hands a new job straight to <paramref name="runnerId"/>, so that no other runner takes it first.</summary>
    internal void ClaimFor(string runnerId, DateTime leaseUntil)
    {
        Status = ImportStatus.Running;
        RunnerId = runnerId;
        LeaseUntil = leaseUntil;
    }

    internal static string Clip(string value, int max) => value.Length <= max ? value : value[..max];
}

/// <summary>One problem with one row of an import: the row is not imported.</summary>
public sealed class ImportRowError
{
    private ImportRowError()
    {
    }

    public const int MaxValueLength = 200;

    public Guid Id { get; private set; }
    public Guid JobId { get; private set; }

    /// <summary>
    /// The row as a spreadsheet numbers it: the header is row 1, an empty line is a row too, a line break inside a
    /// quoted cell is not a new row.
    /// </summary>
    public int RowNumber { get; private set; }

    /// <summary>
    /// The line of the file the row starts on, as a text editor numbers it (every line counts, those inside quoted
    /// cells too); 0 for errors recorded before lines were.
    /// </summary>
    public int Line { get; private set; }

    /// <summary>The CSV column at fault, or null for the whole row (broken quoting, wrong column count).</summary>
    public string? Column { get; private set; }
    public string Reason { get; private set; } = "";

    /// <summary>The offending value (or raw row), clipped to <see cref="MaxValueLength"/> characters.</summary>
    public string? Value { get; private set; }

    internal static ImportRowError Create(Guid jobId, int rowNumber, int line, string? column, string reason, string? value) => new()
    {
        Id = Ids.NewId(),
        JobId = jobId,
        RowNumber = rowNumber,
        Line = line,
        Column = column is null ? null : ImportJob.Clip(column, 200),
        Reason = ImportJob.Clip(reason, 500),
        Value = value is null ? null : ImportJob.Clip(value, MaxValueLength),
    };
}

/// <summary>One column of the file and where its values go: a lead field, <c>custom:&lt;name&gt;</c> or <c>ignore</c>.</summary>
public sealed record ColumnMapping(string Column, string Target);

/// <summary>
/// An import job as the API shows it. The counts and <c>LastCommittedRow</c> are committed (an interrupted job resumes
/// after them); <c>Progress</c> (the share of the file) and <c>RowsProcessed</c> of a job running in this process also
/// cover the batches written in its open transaction, so they move with every batch.
/// </summary>
public sealed record ImportJobView(
    Guid Id,
    string FileName,
    string Sha256,
    long FileSize,
    ImportStatus Status,
    IReadOnlyList<ColumnMapping> Mapping,
    int TotalRows,
    int Imported,
    int Merged,
    int Duplicates,
    int Rejected,
    int Junk,
    int LastCommittedRow,
    double Progress,
    DateTime CreatedAt,
    DateTime? StartedAt,
    DateTime? FinishedAt,
    string? Error,
    string ErrorsUrl,
    bool Automation,
    int RowsProcessed)
{
    /// <summary>
    /// The job as the database has it: its progress and <see cref="RowsProcessed"/> are those committed
    /// (<see cref="RunningImports"/> shows those of a job running in this process batch by batch).
    /// </summary>
    public static ImportJobView From(ImportJob job) => new(
        job.Id, job.FileName, job.Sha256, job.FileSize, job.Status, job.Columns(), job.TotalRows, job.Imported,
        job.Merged, job.Duplicates, job.Rejected, job.Junk, job.LastCommittedRow,
        job.Status == ImportStatus.Completed ? 1 : job.FileSize == 0 ? 0 : Math.Round((double)job.BytesCommitted / job.FileSize, 4),
        job.CreatedAt, job.StartedAt, job.FinishedAt, job.Error, $"/api/imports/{job.Id}/errors.csv", job.Automation, job.TotalRows);
}

internal static class ImportJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}
