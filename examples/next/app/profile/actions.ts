'use server'

import { redirect } from 'next/navigation'
import { auth } from '../../lib/auth'

/** A Server Action: a token for the signed-in user, from the server-side cache. */
export async function checkToken(): Promise<void> {
  let length: number
  try {
    length = (await auth.getToken(['User.Read'])).length
  } catch (err) {
    const signIn = auth.signInUrl(err, '/profile')
    if (signIn) redirect(signIn)
    throw err
  }
  redirect(`/profile?token=${length}`)
}
