// The counting and the calendar live in targets of their own; `import KohoCore` still brings their names.
@_exported import KohoHolidays
@_exported import KohoXText
