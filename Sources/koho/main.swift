import KohoTools

await KohoCommand.runAndExit()
